import type { CalendarFilters } from "@taskoverflow/contracts";
import type { Kysely, Transaction } from "kysely";
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
  async insert(
    trx: Transaction<CalendarRequestDatabase>,
    request: { id: string; filters: CalendarFilters; requestedAt: Date; correlationId: string },
  ): Promise<void> {
    await trx
      .insertInto("calendar_requests")
      .values({
        id: request.id,
        filters: JSON.stringify(request.filters),
        requested_at: request.requestedAt,
        correlation_id: request.correlationId,
      })
      .execute();
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
