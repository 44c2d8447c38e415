import type { TopologyAddresses } from "@taskoverflow/messaging";
import { type AwsEndpoint, serviceTestEnv, type TestDatabase } from "@taskoverflow/test-harness";
import { type JobStatusConfig, loadConfig } from "../src/app.ts";

/** The service's own defaults (its config schema), quiet and on a free port, with a test's changes on top. */
export function testConfig(changes: Partial<JobStatusConfig> = {}): JobStatusConfig {
  return { ...loadConfig(serviceTestEnv({ TODO_SERVICE_URL: "http://127.0.0.1:9" })), ...changes };
}

/** `testConfig()` on a test database, an emulator and a topology's job-status queue. */
export function configOn(
  database: TestDatabase,
  aws: AwsEndpoint,
  topology: TopologyAddresses,
  changes: Partial<JobStatusConfig> = {},
): JobStatusConfig {
  return testConfig({
    databaseUrl: database.url,
    aws: { endpoint: aws.endpoint, region: aws.region },
    queueUrl: topology.queues["job-status"].url,
    ...changes,
  });
}
