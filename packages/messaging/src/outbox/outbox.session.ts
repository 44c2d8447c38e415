import type { Logger } from "@taskoverflow/platform";
import { type Kysely, sql } from "kysely";
import type { OutboxTables } from "./outbox.migration.ts";
import { SEQUENCER_LOCK, tryLeadership } from "./outbox.sequencer.ts";

/**
 * The session the relay leads on: it takes the sequencer's SESSION advisory lock on it and runs every claim and
 * mark on it, so a relay can only number rows while its session lives, and the lock dies with the session.
 */
export interface SequencerSession {
  /** Every statement through it runs on this one session. */
  db: Kysely<OutboxTables>;
  /** Releases the lock when `held`, and the session. Never throws. */
  close(held: boolean): Promise<void>;
}

/** Where a relay gets its session from: a new one for every attempt to lead. */
export interface SequencerSessions {
  /** "dedicated": a connection of the relay's own; "shared": the database's one session (PGlite). */
  readonly kind: "dedicated" | "shared";
  open(): Promise<SequencerSession>;
}

const unlock = (db: Kysely<OutboxTables>) =>
  sql`SELECT pg_advisory_unlock(${SEQUENCER_LOCK}::bigint)`.execute(db).then(() => undefined);

/**
 * On a PostgreSQL pool: one connection checked out of the pool (`db.connection()`) and held while the relay
 * leads. Every statement through it goes to that one `pg` client, which never reconnects: once its backend is
 * gone (terminated, server restart, network), each statement fails, and the relay drops leadership. Closing
 * unlocks, then gives the connection back (a broken one is discarded by the pool, its lock already gone).
 */
export function dedicatedSequencerSessions(db: Kysely<OutboxTables>): SequencerSessions {
  return {
    kind: "dedicated",
    async open() {
      let release!: () => void;
      const released = new Promise<void>((r) => {
        release = r;
      });
      let session!: Kysely<OutboxTables>;
      let done: Promise<void> = Promise.resolve();
      const acquired = new Promise<void>((resolve, reject) => {
        const held = db.connection().execute(async (conn) => {
          session = conn;
          resolve();
          await released;
        });
        held.catch(reject);
        done = held.catch(() => undefined);
      });
      await acquired;
      // The server must notice a leader whose host vanished without closing the connection (the lock lives as
      // long as the backend): keepalives on this session say so within about 11 s instead of the system's 2 h.
      // Its claim and mark are named prepared statements, parsed and planned once: planning the claim cost more
      // than running it (~0.8 vs ~0.4 ms). A generic plan made while the outbox was small must not scan it as it
      // grows: every statement on this session is meant to run on an index, so sequential scans are off here.
      await sql`SELECT set_config('tcp_keepalives_idle', '5', false),
        set_config('tcp_keepalives_interval', '2', false), set_config('tcp_keepalives_count', '3', false),
        set_config('plan_cache_mode', 'force_generic_plan', false), set_config('enable_seqscan', 'off', false)`
        .execute(session)
        .catch(async (err: unknown) => {
          release();
          await done;
          throw err;
        });
      return {
        db: session,
        async close(held) {
          if (held) await unlock(session).catch(() => undefined);
          release();
          await done;
        },
      };
    },
  };
}

/**
 * On PGlite: the database itself, which is one session shared by everything in the process. The lock is taken
 * and released on it like on a server, but never blocks anyone (there is no second session to block), and
 * nothing is held between statements: every other query runs as before.
 */
export function sharedSequencerSessions(db: Kysely<OutboxTables>): SequencerSessions {
  return {
    kind: "shared",
    async open() {
      return {
        db,
        async close(held) {
          if (held) await unlock(db).catch(() => undefined);
        },
      };
    },
  };
}

/**
 * The sessions that fit `db`: shared on PGlite (asked once, from `version()`), dedicated on a PostgreSQL
 * server.
 */
export function sequencerSessionsFor(db: Kysely<OutboxTables>): SequencerSessions {
  let chosen: SequencerSessions | undefined;
  return {
    get kind() {
      return chosen?.kind ?? "dedicated";
    },
    async open() {
      if (!chosen) {
        const { rows } = await sql<{ v: string }>`SELECT version() AS v`.execute(db);
        chosen = /PGlite/i.test(rows[0]?.v ?? "")
          ? sharedSequencerSessions(db)
          : dedicatedSequencerSessions(db);
      }
      return chosen.open();
    },
  };
}

/** A relay's hold on the lead: the session it leads on while it does. */
export interface Leadership {
  readonly leading: boolean;
  /** Takes the lead if the sequencer lock is free (a new session, the lock tried on it); whether it leads. */
  lead(): Promise<boolean>;
  /** Lets go of the lead and closes its session (the lock goes with it). */
  resign(reason: string, err?: unknown): Promise<void>;
  /** A statement on the leader's session; when it fails, the session is suspect and the relay resigns. */
  run<T>(statement: (session: Kysely<OutboxTables>, leaderPid: number) => Promise<T>): Promise<T>;
}

export function createLeadership(sessions: SequencerSessions, log: Logger): Leadership {
  let session: SequencerSession | undefined;
  /** The backend of the session that took the lock: every claim checks it runs there. */
  let leaderPid = 0;
  const leadership: Leadership = {
    get leading() {
      return session !== undefined;
    },
    async lead() {
      if (session) return true;
      const opened = await sessions.open();
      let leads = false;
      try {
        ({ leads, pid: leaderPid } = await tryLeadership(opened.db));
      } finally {
        if (!leads) await opened.close(false);
      }
      if (leads) {
        session = opened;
        log.info(
          { session: sessions.kind, pid: leaderPid },
          "outbox relay leads: it holds the sequencer lock",
        );
      }
      return leads;
    },
    async resign(reason, err) {
      const s = session;
      session = undefined;
      if (!s) return;
      await s.close(true);
      const level = err === undefined && reason === "stopped" ? "info" : "warn";
      log[level]({ err, reason }, "outbox relay no longer leads: it let go of the sequencer lock");
    },
    async run(statement) {
      const s = session;
      if (!s) throw new Error("outbox relay does not lead");
      try {
        return await statement(s.db, leaderPid);
      } catch (err) {
        await leadership.resign("a statement on the sequencer session failed", err);
        throw err;
      }
    },
  };
  return leadership;
}
