import { afterAll, beforeAll } from "@jest/globals";
import type { TopologyAddresses } from "@taskoverflow/messaging";
import { type Database, type Logger, openMigratedDatabase } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  createTestDatabase,
  serviceTestEnv,
  type TestDatabase,
} from "@taskoverflow/test-harness";
import { type ExplorerConfig, loadConfig } from "../src/app.ts";
import { migrations } from "../src/db/migrations.ts";
import type { ExplorerTables } from "../src/db/tables.ts";

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

/** A migrated explorer database for the describe block (opened before its tests, dropped after them). */
export function useExplorerDb(log: Logger): Database<ExplorerTables> {
  const opened = {} as Database<ExplorerTables>;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    Object.assign(
      opened,
      await openMigratedDatabase<ExplorerTables>(
        { databaseUrl: database.url, dataDir: "memory" },
        migrations,
        log,
      ),
    );
  });
  afterAll(async () => {
    await opened.close?.();
    await database?.drop();
  });
  return opened;
}
