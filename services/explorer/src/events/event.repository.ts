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

const stampTx = (r: Selectable<EventTable> & { tx_text: string }) => ({ ...toStored(r), tx: r.tx_text });

/** The events table; Kysely row types stay in here. */
export class EventRepository {
  /**
   * Records a batch of events in ONE statement, each effectively once: an inbox row per (consumer, event id) and
   * the event row only where the inbox row is new (rows taken in id order, so concurrent batches never wait for
   * each other in a cycle). An event id given twice is recorded once: its later copies answer "duplicate".
   */
  async recordAll(
    db: ExplorerDb,
    consumer: string,
    items: readonly { record: RecordedEvent; recordedAt: Date }[],
  ): Promise<("processed" | "duplicate")[]> {
    const firstOf = new Map<string, number>();
    items.forEach(({ record }, i) => {
      if (!firstOf.has(record.id)) firstOf.set(record.id, i);
    });
    const input = [...firstOf.values()].map((i) => {
      const { record: e, recordedAt } = items[i] as (typeof items)[number];
      return {
        ord: i,
        id: e.id,
        type: e.type,
        version: e.version,
        producer: e.producer,
        sequence: e.sequence,
        correlation_id: e.correlationId,
        occurred_at: e.occurredAt,
        recorded_at: recordedAt.toISOString(),
        payload_summary: e.payloadSummary,
        payload_bytes: e.payloadBytes,
        payload_truncated: e.payloadTruncated,
        routed_to: e.routedTo,
      };
    });
    const { rows } = await sql<{ event_id: string }>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS x(ord integer, id uuid, type text,
          version integer, producer text, sequence bigint, correlation_id text, occurred_at timestamptz,
          recorded_at timestamptz, payload_summary text, payload_bytes integer, payload_truncated boolean,
          routed_to jsonb)
      ),
      inbox AS (
        INSERT INTO processed_events (consumer, event_id)
        SELECT ${consumer}, id FROM input ORDER BY id
        ON CONFLICT DO NOTHING RETURNING event_id
      ),
      recorded AS (
        INSERT INTO events (id, type, version, producer, sequence, correlation_id, occurred_at, recorded_at,
          payload_summary, payload_bytes, payload_truncated, routed_to)
        SELECT id, type, version, producer, sequence, correlation_id, occurred_at, recorded_at,
          payload_summary, payload_bytes, payload_truncated, routed_to
        FROM input JOIN inbox ON inbox.event_id = input.id ORDER BY ord
        ON CONFLICT (id) DO NOTHING
      )
      SELECT event_id::text AS event_id FROM inbox`.execute(db);
    const processed = new Set(rows.map((r) => r.event_id));
    return items.map(({ record }, i) =>
      firstOf.get(record.id) === i && processed.has(record.id) ? "processed" : "duplicate",
    );
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
   * [from, xmin) and going on from xmin sends every committed event exactly once. A transaction may hold several
   * events (the consumer records a received batch at once): a page that ends inside one is completed with the
   * rest of that transaction, so the next page can start after it.
   */
  async settled(
    db: ExplorerDb,
    filter: EventFilter,
    from: string,
    limit: number,
  ): Promise<{ events: Array<StoredEvent & { tx: string }>; next: string }> {
    const xmin = await this.streamStart(db);
    const matching = () => {
      let q = db.selectFrom("events").selectAll().select(sql<string>`tx::text`.as("tx_text"));
      if (filter.type !== undefined) q = q.where("type", "=", filter.type);
      if (filter.correlationId !== undefined) q = q.where("correlation_id", "=", filter.correlationId);
      return q;
    };
    const rows = await matching()
      .where(sql<boolean>`tx >= ${from}::xid8 AND tx < ${xmin}::xid8`)
      .orderBy("tx")
      .orderBy("seq")
      .limit(limit)
      .execute();
    const last = rows.at(-1);
    if (rows.length < limit || !last) return { events: rows.map(stampTx), next: xmin };
    const tail = await matching()
      .where(sql<boolean>`tx = ${last.tx_text}::xid8`)
      .where("seq", ">", last.seq)
      .orderBy("seq")
      .execute();
    return { events: [...rows, ...tail].map(stampTx), next: String(BigInt(last.tx_text) + 1n) };
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
