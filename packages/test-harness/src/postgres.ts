import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { InfraKind } from "./infra.ts";
import { postgresBinDir } from "./infra.ts";
import { freePort } from "./ports.ts";

export interface PostgresServer {
  kind: InfraKind;
  /** Superuser URL of the server's `postgres` database; empty for `embedded` (one PGlite per database). */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startPostgres(kind: InfraKind): Promise<PostgresServer> {
  if (kind === "testcontainers") {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:17-alpine").start();
    return { kind, adminUrl: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  }
  if (kind === "local") return startLocalPostgres();
  return { kind, adminUrl: "", stop: async () => {} };
}

/** initdb + pg_ctl in a temporary folder; as root the server runs as the `postgres` user. */
async function startLocalPostgres(): Promise<PostgresServer> {
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
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
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
 * A fresh, empty database for one test file. On a server it is `CREATE DATABASE`; on the embedded path it
 * is a new in-memory PGlite served over the PostgreSQL wire protocol, so tests always connect with `pg`.
 */
export async function createTestDatabase(
  adminUrl = process.env.TASKOVERFLOW_TEST_PG_ADMIN_URL ?? "",
): Promise<TestDatabase> {
  if (adminUrl === "") return createEmbeddedDatabase();
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

async function createEmbeddedDatabase(): Promise<TestDatabase> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create();
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 100 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async drop() {
      await server.stop();
      await db.close();
    },
  };
}
