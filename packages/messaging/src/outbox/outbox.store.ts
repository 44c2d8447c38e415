import type { DomainEvent } from "@taskoverflow/contracts";
import { type Kysely, sql, type Transaction } from "kysely";
import type { OutboxTables } from "./outbox.migration.ts";

/**
 * Anything that can run queries inside the caller's transaction: the service's own Kysely or transaction,
 * typed with its own tables, as long as they include the outbox's.
 */
export type OutboxExecutor<DB extends OutboxTables = OutboxTables> = Kysely<DB> | Transaction<DB>;

// The outbox's queries only touch its own tables, so a wider database type narrows safely.
const narrow = <DB extends OutboxTables>(trx: OutboxExecutor<DB>) => trx as unknown as Kysely<OutboxTables>;

/**
 * Writes an event to the outbox inside the caller's transaction and returns it with its `sequence`.
 * Call it in the same transaction as the change the event describes: both commit, or neither does.
 */
export async function enqueueEvent<E extends DomainEvent, DB extends OutboxTables>(
  executor: OutboxExecutor<DB>,
  event: E,
): Promise<E> {
  const trx = narrow(executor);
  const { value } = await sql<{ value: string }>`
    UPDATE outbox_sequence SET value = value + 1 WHERE id = 1 RETURNING value
  `
    .execute(trx)
    .then((r) => {
      const row = r.rows[0];
      if (!row) throw new Error("outbox_sequence row missing: was the outbox migration applied?");
      return row;
    });
  const sequenced = { ...event, sequence: Number(value) };
  await trx
    .insertInto("outbox")
    .values({ position: value, event_id: event.id, type: event.type, body: JSON.stringify(sequenced) })
    .execute();
  // Wakes a relay listening on this database as soon as the transaction commits (NOTIFY is transactional).
  await sql`SELECT pg_notify('outbox', ${value})`.execute(trx);
  return sequenced;
}

/** The highest sequence committed so far: what a consistent snapshot of the producer's state corresponds to. */
export async function currentSequence<DB extends OutboxTables>(
  executor: OutboxExecutor<DB>,
): Promise<number> {
  const trx = narrow(executor);
  const r = await sql<{ value: string }>`SELECT value FROM outbox_sequence WHERE id = 1`.execute(trx);
  return Number(r.rows[0]?.value ?? 0);
}
