import type { Kysely, Selectable, Transaction } from "kysely";
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

  /** Oldest first, after the `after` seq: what a live stream has not sent yet. */
  async after(db: ExplorerDb, filter: EventFilter, after: string, limit: number): Promise<StoredEvent[]> {
    let q = db.selectFrom("events").selectAll().where("seq", ">", after);
    if (filter.type !== undefined) q = q.where("type", "=", filter.type);
    if (filter.correlationId !== undefined) q = q.where("correlation_id", "=", filter.correlationId);
    const rows = await q.orderBy("seq", "asc").limit(limit).execute();
    return rows.map(toStored);
  }

  /** The newest seq recorded ("0" when none): a live stream starts after it. */
  async lastSeq(db: ExplorerDb): Promise<string> {
    const row = await db
      .selectFrom("events")
      .select((eb) => eb.fn.max("seq").as("max"))
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? "0" : String(row.max);
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
