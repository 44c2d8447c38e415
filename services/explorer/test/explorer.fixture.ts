import { afterAll, beforeAll } from "@jest/globals";
import { type ServiceWorld, useServiceWorld } from "@taskoverflow/messaging/testing";
import { createLogger, type Database, type Logger, openMigratedDatabase } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  createTestDatabase,
  serviceTestEnv,
  type TestDatabase,
  waitFor,
} from "@taskoverflow/test-harness";
import { createExplorerApp, type ExplorerConfig, loadConfig } from "../src/app.ts";
import { migrations } from "../src/db/migrations.ts";
import type { ExplorerTables } from "../src/db/tables.ts";

/** The service's own defaults (its config schema), quiet and on a free port, with a test's changes on top. */
export function testConfig(changes: Partial<ExplorerConfig> = {}): ExplorerConfig {
  return { ...loadConfig(serviceTestEnv()), ...changes };
}

/** `testConfig()` on a service world: its database, emulator, topology prefix and explorer queue. */
export function configOn(world: ServiceWorld, changes: Partial<ExplorerConfig> = {}): ExplorerConfig {
  const queueUrl = world.topology.queues.explorer.url;
  return testConfig({ ...world.backing, queueUrl, topologyPrefix: world.prefix, ...changes });
}

export interface Counts {
  visible: number;
  inFlight: number;
  delayed: number;
}
export interface QueueView {
  key: string;
  name: string;
  filterPolicy: { type: string[] } | null;
  counts: Counts | null;
  deadLetter: { name: string; counts: Counts | null };
}
export interface StoredEvent {
  seq: string;
  id: string;
  type: string;
  producer: string;
  sequence: number | null;
  correlationId: string;
  occurredAt: string;
  routedTo: string[];
  payloadSummary: string;
  payloadBytes: number;
  payloadTruncated: boolean;
}

const logger = createLogger({ service: "explorer-test", level: "silent" });

/** Another explorer on the world (same database and queue: another process of the one consumer). */
export function startExplorer(world: ServiceWorld, changes: Partial<ExplorerConfig> = {}) {
  const { sqs, sns } = world;
  return world.start(
    createExplorerApp(configOn(world, changes), { logger, sqs, sns, consumer: { waitTimeSeconds: 1 } }),
  );
}

/**
 * The explorer service on a world for the describe block (payload summaries cut at 64 bytes, redeliveries after
 * 2 s), with readers of its HTTP API.
 */
export function useExplorer(start: () => Promise<AwsEndpoint>) {
  const world = useServiceWorld(start, { name: "ex", visibilityTimeoutSeconds: 2 });
  const service = { url: "" };
  beforeAll(async () => {
    service.url = (await startExplorer(world, { summaryBytes: 64 })).url;
  });

  const api = (path: string, init?: RequestInit) => fetch(`${service.url}/api/v1/explorer${path}`, init);
  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await api(path, init);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const eventsOf = async (correlationId: string) =>
    (await json<{ events: StoredEvent[] }>(`/events?correlationId=${correlationId}&limit=200`)).events;
  const queues = async () => (await json<{ topic: string; queues: QueueView[] }>("/queues")).queues;
  const queue = async (key: string) => (await queues()).find((q) => q.key === key) as QueueView;
  const idle = (c: Counts | null) => c !== null && c.visible === 0 && c.inFlight === 0 && c.delayed === 0;
  /** The explorer's queue holds nothing, seen twice in a row (an in-flight message is counted as such). */
  const drained = () =>
    waitFor(async () => idle((await queue("explorer")).counts) && idle((await queue("explorer")).counts), {
      timeoutMs: 30_000,
      what: "the explorer queue to drain",
    });
  return { world, service, api, json, eventsOf, queue, drained };
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
