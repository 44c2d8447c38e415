import { type Kysely, sql } from "kysely";

/**
 * An index on every outbox row's transaction id, for the list cache's hit check (todo.list-cache.ts): "is any
 * row with xid >= xmin(S) not visible in snapshot S" scans only the recent end of it. (The relay's
 * `outbox_unsequenced` holds only rows not numbered yet.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX outbox_xid ON outbox (xid)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX outbox_xid`.execute(db);
}
