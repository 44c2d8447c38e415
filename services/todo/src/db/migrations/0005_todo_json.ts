import { type Kysely, sql } from "kysely";
import { API_JSON_OF_NEW } from "../../todos/todo.sql.ts";

/**
 * Each todo keeps its API JSON, rendered by a trigger whenever the row is written: a list is then a
 * concatenation of stored texts (no per-request formatting), correct in every instance without a cache.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE todos ADD COLUMN api_json text`.execute(db);
  await sql
    .raw(`CREATE FUNCTION todos_render_api_json() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.api_json := ${API_JSON_OF_NEW};
  RETURN NEW;
END
$fn$`)
    .execute(db);
  await sql`CREATE TRIGGER todos_render_api_json BEFORE INSERT OR UPDATE ON todos
    FOR EACH ROW EXECUTE FUNCTION todos_render_api_json()`.execute(db);
  await sql`UPDATE todos SET title = title`.execute(db);
  await sql`ALTER TABLE todos ALTER COLUMN api_json SET NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER todos_render_api_json ON todos`.execute(db);
  await sql`DROP FUNCTION todos_render_api_json()`.execute(db);
  await sql`ALTER TABLE todos DROP COLUMN api_json`.execute(db);
}
