import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { EventTable, ExplorerTables } from "../db/tables.ts";
import type { RecordedEvent } from "./event.domain.ts";

export type ExplorerKysely = Kysely<ExplorerTables>;
export type ExplorerDb = ExplorerKysely | Transaction<ExplorerTables>;

/** An event as the API shows it: the record plus where it sits in the explorer (seq) and when it arrived. */
export interface StoredEvent extends RecordedEvent {
  /** Order of recording, as a decimal string: the keyset of GET /events and the id of a stream message. */
  seq: string;
  recordedAt: string;
}

export interface EventFilter {
  type?: string | undefined;
  correlationId?: string | undefined;
}

const toStored = (r: Selectable<EventTable>): StoredEvent => ({
  seq: String(r.seq),
  id: r.id,
  type: r.type,
  version: r.version,
  producer: r.producer,
  sequence: r.sequence === null ? null : Number(r.sequence),
  correlationId: r.correlation_id,
  occurredAt: r.occurred_at.toISOString(),
  recordedAt: r.recorded_at.toISOString(),
  payloadSummary: r.payload_summary,
  payloadBytes: r.payload_bytes,
  payloadTruncated: r.payload_truncated,
  routedTo: r.routed_to as RecordedEvent["routedTo"],
});

/** The events table; Kysely row types stay in here. */
export class EventRepository {
  async insert(db: ExplorerDb, e: RecordedEvent, recordedAt: Date): Promise<void> {
    await db
      .insertInto("events")
      .values({
        id: e.id,
        type: e.type,
        version: e.version,
        producer: e.producer,
        sequence: e.sequence,
        correlation_id: e.correlationId,
        occurred_at: new Date(e.occurredAt),
        recorded_at: recordedAt,
        payload_summary: e.payloadSummary,
        payload_bytes: e.payloadBytes,
        payload_truncated: e.payloadTruncated,
        routed_to: JSON.stringify(e.routedTo),
      })
      .execute();
  }

  /** Newest first, before the `before` seq (keyset), at most `limit`. */
  async page(
    db: ExplorerDb,
    filter: EventFilter,
    { before, limit }: { before?: string | undefined; limit: number },
  ): Promise<StoredEvent[]> {
    let q = db.selectFrom("events").selectAll();
    if (filter.type !== undefined) q = q.where("type", "=", filter.type);
    if (filter.correlationId !== undefined) q = q.where("correlation_id", "=", filter.correlationId);
    if (before !== undefined) q = q.where("seq", "<", before);
    const rows = await q.orderBy("seq", "desc").limit(limit).execute();
    return rows.map(toStored);
  }

  /**
   * Where a live stream starts: the oldest transaction still running (or the next one). Everything a stream
   * sends is read through `settled`, which only returns rows of transactions below such a point.
   */
  async streamStart(db: ExplorerDb): Promise<string> {
    const { rows } = await sql<{
      xmin: string;
    }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`.execute(db);
    return rows[0]?.xmin ?? "0";
  }

  /**
   * The events of finished transactions from `from` (an xid8) on, in transaction order, and where to read on.
   * `seq` cannot be a stream's cursor: identities are drawn at insert, not at commit, so under concurrent
   * inserts a lower seq can commit after a higher one a stream already passed, and would never be sent. Below
   * the snapshot's xmin every transaction has finished, and every later transaction gets a higher xid: reading
   * [from, xmin) and going on from xmin sends every committed event exactly once. (One event per transaction.)
   */
  async settled(
    db: ExplorerDb,
    filter: EventFilter,
    from: string,
    limit: number,
  ): Promise<{ events: Array<StoredEvent & { tx: string }>; next: string }> {
    const xmin = await this.streamStart(db);
    let q = db
      .selectFrom("events")
      .selectAll()
      .select(sql<string>`tx::text`.as("tx_text"))
      .where(sql<boolean>`tx >= ${from}::xid8 AND tx < ${xmin}::xid8`);
    if (filter.type !== undefined) q = q.where("type", "=", filter.type);
    if (filter.correlationId !== undefined) q = q.where("correlation_id", "=", filter.correlationId);
    const rows = await q.orderBy("tx").limit(limit).execute();
    const events = rows.map((r) => ({ ...toStored(r), tx: r.tx_text }));
    const last = events.at(-1);
    const next = events.length === limit && last ? String(BigInt(last.tx) + 1n) : xmin;
    return { events, next };
  }

  /**
   * Every event of one request in the order it happened: by occurredAt, then the producer's sequence, then
   * arrival (events of one producer in the same millisecond keep their outbox order).
   */
  async correlation(db: ExplorerDb, correlationId: string, limit: number): Promise<StoredEvent[]> {
    const rows = await db
      .selectFrom("events")
      .selectAll()
      .where("correlation_id", "=", correlationId)
      .orderBy("occurred_at", "asc")
      .orderBy("sequence", "asc")
      .orderBy("seq", "asc")
      .limit(limit)
      .execute();
    return rows.map(toStored);
  }

  /** Removes events recorded before `cutoff`, then all but the newest `keep`. Returns how many went. */
  async sweep(db: ExplorerDb, { cutoff, keep }: { cutoff: Date; keep: number }): Promise<number> {
    const old = await db.deleteFrom("events").where("recorded_at", "<", cutoff).executeTakeFirst();
    const boundary = await db
      .selectFrom("events")
      .select("seq")
      .orderBy("seq", "desc")
      .offset(keep)
      .limit(1)
      .executeTakeFirst();
    let over = 0n;
    if (boundary) {
      const r = await db.deleteFrom("events").where("seq", "<=", boundary.seq).executeTakeFirst();
      over = r.numDeletedRows;
    }
    return Number(old.numDeletedRows + over);
  }

  /** Inbox rows older than `cutoff`: an event that old can no longer be delivered again. */
  async sweepInbox(db: ExplorerDb, consumer: string, cutoff: Date): Promise<number> {
    const r = await db
      .deleteFrom("processed_events")
      .where("consumer", "=", consumer)
      .where("processed_at", "<", cutoff)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
