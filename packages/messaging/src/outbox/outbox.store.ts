import type { DomainEvent } from "@taskoverflow/contracts";
import { executePrepared } from "@taskoverflow/platform";
import { type Kysely, sql, type Transaction } from "kysely";
import type { InboxTables } from "../inbox.ts";
import type { OutboxTables } from "./outbox.migration.ts";

/**
 * Anything that can run queries inside the caller's transaction: the service's own Kysely or transaction,
 * typed with its own tables, as long as they include the outbox's.
 */
export type OutboxExecutor<DB extends OutboxTables = OutboxTables> = Kysely<DB> | Transaction<DB>;

// The outbox's queries only touch its own tables, so a wider database type narrows safely.
const narrow = <DB extends OutboxTables>(trx: OutboxExecutor<DB>) => trx as unknown as Kysely<OutboxTables>;

/** The stored form of an event: everything but `sequence`, which the sequencer adds after commit. */
export function outboxBody(event: DomainEvent): string {
  const { sequence: _unsequenced, ...rest } = event;
  return JSON.stringify(rest);
}

/**
 * Writes an event to the outbox inside the caller's transaction. Call it in the same transaction as the
 * change the event describes: both commit, or neither does. The row takes no lock that another writer
 * needs: it carries only this transaction's id and an identity; its `sequence` is assigned after commit by
 * the relay's sequencer. For the fewest round trips, a writer may instead insert the row in the same SQL
 * statement as its change (the todo service does), with the body from `outboxBody`.
 */
export async function enqueueEvent<E extends DomainEvent, DB extends OutboxTables>(
  executor: OutboxExecutor<DB>,
  event: E,
): Promise<E> {
  await narrow(executor)
    .insertInto("outbox")
    .values({ event_id: event.id, type: event.type, body: outboxBody(event), sequence: null })
    .execute();
  return event;
}

/**
 * Writes `event` to the outbox once per (consumer, source event id), in ONE statement: the inbox row and the
 * outbox row commit together or not at all (a data-modifying CTE), so a redelivered or concurrent duplicate
 * of the source event writes nothing. For a consumer whose effect is only to announce something, this is
 * `processOnce` + `enqueueEvent` in one round trip instead of four.
 */
export async function enqueueEventOnce<DB extends OutboxTables & InboxTables>(
  executor: OutboxExecutor<DB>,
  { consumer, eventId }: { consumer: string; eventId: string },
  event: DomainEvent,
): Promise<"processed" | "duplicate"> {
  const [outcome] = await enqueueEventsOnce(executor, eventId, [{ consumer, event }]);
  return outcome ?? "duplicate";
}

/**
 * `enqueueEventOnce` for several steps of one source event in ONE statement: each `event` is written unless
 * its `consumer` (a step) already processed `sourceEventId`. They are written in the order given, so the
 * sequencer, which numbers a transaction's rows by identity, gives them ascending sequences. Answers each
 * step's outcome, in order. A named prepared statement on PostgreSQL (one text per number of steps): it is on
 * every calendar job's path.
 */
export async function enqueueEventsOnce<DB extends OutboxTables & InboxTables>(
  executor: OutboxExecutor<DB>,
  sourceEventId: string,
  steps: readonly { consumer: string; event: DomainEvent }[],
): Promise<("processed" | "duplicate")[]> {
  if (steps.length === 0) return [];
  const input = sql.join(
    steps.map(
      ({ consumer, event }, n) =>
        sql`(${n}::int, ${consumer}::text, ${event.id}::uuid, ${event.type}::text, ${outboxBody(event)}::text)`,
    ),
  );
  // Identity values are drawn as the insert's rows come out of the ORDER BY (volatile defaults are evaluated
  // after the sort), so the steps' outbox ids, and with them their sequences, follow their order.
  const { rows } = await executePrepared(
    narrow(executor),
    sql<{ event_id: string }>`
    WITH input (n, consumer, event_id, type, body) AS (VALUES ${input}),
    inbox AS (
      INSERT INTO processed_events (consumer, event_id)
      SELECT consumer, ${sourceEventId}::uuid FROM input
      ON CONFLICT DO NOTHING RETURNING consumer
    )
    INSERT INTO outbox (event_id, type, body)
    SELECT i.event_id, i.type, i.body FROM input i JOIN inbox USING (consumer) ORDER BY i.n
    RETURNING event_id`,
  );
  const written = new Set(rows.map((r) => r.event_id));
  return steps.map(({ event }) => (written.has(event.id) ? "processed" : "duplicate"));
}

/**
 * The highest sequence handed out so far. Read in the same repeatable-read snapshot as the producer's
 * state, the state reflects every event up to it (a row is sequenced only after its transaction
 * committed); it may also reflect later changes not yet sequenced, which consumers order by version.
 */
export async function currentSequence<DB extends OutboxTables>(
  executor: OutboxExecutor<DB>,
): Promise<number> {
  const trx = narrow(executor);
  const r = await sql<{ sequence: string }>`SELECT sequence FROM outbox_head WHERE id = 1`.execute(trx);
  return Number(r.rows[0]?.sequence ?? 0);
}
