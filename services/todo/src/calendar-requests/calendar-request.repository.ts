import type { CalendarFilters, DomainEvent } from "@taskoverflow/contracts";
import { outboxBody } from "@taskoverflow/messaging";
import { executePrepared } from "@taskoverflow/platform";
import { type Kysely, sql } from "kysely";
import type { CalendarRequestDatabase } from "./calendar-request.table.ts";

type Db = Kysely<CalendarRequestDatabase>;

/** An issued calendar job, as job-status asks about it. */
export interface IssuedRequest {
  id: string;
  /** ISO 8601, UTC. */
  requestedAt: string;
}

/** Persistence of calendar requests; the Kysely row types stay in here. */
export class CalendarRequestRepository {
  /**
   * Records the request and its CalendarRequested in ONE statement (a data-modifying CTE; both commit or neither):
   * one round trip on every job's path instead of a transaction's four. The outbox row carries only this
   * transaction's id; the sequencer numbers it after commit.
   */
  async insertWithEvent(
    db: Db,
    request: { id: string; filters: CalendarFilters; requestedAt: Date; correlationId: string },
    event: DomainEvent,
  ): Promise<void> {
    await executePrepared(
      db,
      sql`
      WITH request AS (
        INSERT INTO calendar_requests (id, filters, requested_at, correlation_id)
        VALUES (${request.id}::uuid, ${JSON.stringify(request.filters)}::jsonb, ${request.requestedAt}::timestamptz,
                ${request.correlationId})
        RETURNING id
      )
      INSERT INTO outbox (event_id, type, body)
      SELECT ${event.id}::uuid, ${event.type}, ${outboxBody(event)} FROM request`,
    );
  }

  /** The request with this id (lower-case UUID), undefined when none was issued. */
  async find(db: Db, id: string): Promise<IssuedRequest | undefined> {
    const row = await db
      .selectFrom("calendar_requests")
      .select(["id", "requested_at"])
      .where("id", "=", id)
      .executeTakeFirst();
    return row && { id: row.id, requestedAt: new Date(row.requested_at).toISOString() };
  }
}
