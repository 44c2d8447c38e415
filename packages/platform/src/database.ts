import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";
import { PGliteDialect } from "kysely-pglite-dialect";
import pg from "pg";
import type { Logger } from "./logger.ts";
import { namePreparedStatements } from "./prepared.ts";

export interface DatabaseConfig {
  /** A PostgreSQL server. When absent the service runs on embedded PostgreSQL (PGlite). */
  url?: string | undefined;
  /** PGlite's data folder; "memory" keeps nothing. Used only without `url`. */
  dataDir: string;
  poolSize?: number | undefined;
}

/** The database part of a service's config (DATABASE_URL, DATABASE_POOL_SIZE, DATA_DIR). */
export interface ServiceDatabaseConfig {
  /** When absent the service runs on PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  databasePoolSize?: number | undefined;
  dataDir: string;
}

export interface Database<DB> {
  db: Kysely<DB>;
  kind: "postgres" | "pglite";
  /**
   * LISTEN on `channel`: `onNotify(payload)` for each NOTIFY that any connection (any instance) sends on it, and
   * `onNotify(undefined)` once listening (again) after a lost connection, since notifications sent meanwhile are
   * gone. On PostgreSQL a dedicated connection, reconnected after a second; on PGlite the instance's own
   * listener. Resolves once listening; the returned function stops.
   */
  listen(channel: string, onNotify: (payload: string | undefined) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** A dedicated connection that LISTENs, reconnecting after a loss (the caller's fallback covers the gap). */
async function pgListen(
  connectionString: string,
  channel: string,
  onNotify: (payload: string | undefined) => void,
  log: Logger,
  reconnectMs = 1000,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const retry = (err: Error) => {
    log.warn({ err: err.message, channel }, "LISTEN failed; retrying");
    if (!closed) timer = setTimeout(() => void connect(true).catch(retry), reconnectMs);
  };
  const connect = async (again: boolean): Promise<void> => {
    const c = new pg.Client({ connectionString });
    c.on("notification", (n) => {
      if (n.channel === channel) onNotify(n.payload ?? "");
    });
    c.on("error", (err) => {
      log.warn({ err: err.message, channel }, "LISTEN connection lost; reconnecting");
      void c.end().catch(() => {});
      if (!closed) timer = setTimeout(() => void connect(true).catch(retry), reconnectMs);
    });
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    if (again) onNotify(undefined);
  };
  await connect(false);
  return async () => {
    closed = true;
    clearTimeout(timer);
    await client?.end().catch(() => {});
  };
}

export async function openDatabase<DB>(config: DatabaseConfig, log: Logger): Promise<Database<DB>> {
  if (config.url) {
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 10 });
    pool.on("error", (err) => log.error({ err }, "idle PostgreSQL connection failed"));
    // A connection lost while checked out (server restart, pg_terminate_backend) fails its query; without a
    // listener the client's own 'error' event would also crash the process.
    pool.on("connect", (client) => {
      client.on("error", (err) => log.warn({ err }, "PostgreSQL connection lost"));
      // Statements run through executePrepared go out as named prepared statements (prepared.ts).
      namePreparedStatements(client);
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    log.info({ database: redact(config.url) }, "using PostgreSQL server");
    const url = config.url;
    const listeners = new Set<() => Promise<void>>();
    return {
      db,
      kind: "postgres",
      async listen(channel, onNotify) {
        if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
        const stop = await pgListen(url, channel, onNotify, log);
        const once = async () => {
          listeners.delete(once);
          await stop();
        };
        listeners.add(once);
        return once;
      },
      close: async () => {
        await Promise.all([...listeners].map((stop) => stop()));
        await db.destroy();
      },
    };
  }
  const memory = config.dataDir === "memory";
  if (!memory) mkdirSync(config.dataDir, { recursive: true });
  const pglite = memory ? new PGlite() : new PGlite(config.dataDir);
  await pglite.waitReady;
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  log.info({ dataDir: config.dataDir }, "using embedded PostgreSQL (PGlite)");
  return {
    db,
    kind: "pglite",
    async listen(channel, onNotify) {
      if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
      // PGlite is one session in this process: a NOTIFY sent through Kysely reaches this listener.
      const stop = await pglite.listen(channel, (payload) => onNotify(payload));
      return async () => {
        if (!pglite.closed) await stop();
      };
    },
    close: async () => {
      await db.destroy();
      // Kysely's PGlite driver may already have closed it.
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** Opens a service's database and applies its migrations; a failed migration closes it again. */
export async function openMigratedDatabase<DB>(
  config: ServiceDatabaseConfig,
  migrations: Record<string, Migration>,
  log: Logger,
): Promise<Database<DB>> {
  const database = await openDatabase<DB>(
    { url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize },
    log,
  );
  try {
    await migrate(database.db, migrations, log);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

/** Applies versioned migrations (name -> up/down) in name order; fails loudly on error. */
export async function migrate<DB>(
  db: Kysely<DB>,
  migrations: Record<string, Migration>,
  log: Logger,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) log.info({ migration: r.migrationName, status: r.status }, "migration");
  if (error) throw error;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable url)";
  }
}
