import { type Kysely, sql } from "kysely";

/** The todos table. Timestamps are `timestamp` (no time zone) holding UTC, as the course stored them. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("todos")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("title", "varchar(80)", (c) => c.notNull())
    .addColumn("description", "varchar(120)")
    .addColumn("completed", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("deadline_at", "timestamp")
    .addColumn("created_at", "timestamp", (c) => c.notNull().defaultTo(sql`(now() at time zone 'utc')`))
    .addColumn("updated_at", "timestamp", (c) => c.notNull().defaultTo(sql`(now() at time zone 'utc')`))
    // Bumped on every update; events carry it so consumers can drop stale or duplicate ones.
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex("todos_deadline_at_idx").on("todos").column("deadline_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("todos").execute();
}
