import type { TopologyAddresses } from "@taskoverflow/messaging";
import { type AwsEndpoint, serviceTestEnv, type TestDatabase } from "@taskoverflow/test-harness";
import { type ExplorerConfig, loadConfig } from "../src/app.ts";

/** The service's own defaults (its config schema), quiet and on a free port, with a test's changes on top. */
export function testConfig(changes: Partial<ExplorerConfig> = {}): ExplorerConfig {
  return { ...loadConfig(serviceTestEnv()), ...changes };
}

/** `testConfig()` on a test database, an emulator and a topology (its prefix and its explorer queue). */
export function configOn(
  database: TestDatabase,
  aws: AwsEndpoint,
  topology: TopologyAddresses,
  prefix: string,
  changes: Partial<ExplorerConfig> = {},
): ExplorerConfig {
  return testConfig({
    databaseUrl: database.url,
    aws: { endpoint: aws.endpoint, region: aws.region },
    queueUrl: topology.queues.explorer.url,
    topologyPrefix: prefix,
    ...changes,
  });
}
