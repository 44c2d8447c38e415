import { type Kysely, sql } from "kysely";
import { iso, renderApiJsonFunction } from "../../todos/todo.sql.ts";

/** The rendering as this migration first shipped it (0006 replaced it): a released migration does not change. */
const FIRST_API_JSON =
  `json_build_object('id', NEW.id, 'title', NEW.title, 'description', NEW.description, ` +
  `'completed', NEW.completed, 'deadline_at', ${iso("NEW.deadline_at")}, ` +
  `'created_at', ${iso("NEW.created_at")}, 'updated_at', ${iso("NEW.updated_at")})::text`;

/**
 * Each todo keeps its API JSON, rendered by a trigger whenever the row is written: a list is then a
 * concatenation of stored texts (no per-request formatting), correct in every instance without a cache.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE todos ADD COLUMN api_json text`.execute(db);
  await sql.raw(renderApiJsonFunction(FIRST_API_JSON)).execute(db);
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
