import { type Kysely, sql } from "kysely";
import { API_JSON_OF_NEW, renderApiJsonFunction } from "../../todos/todo.sql.ts";

/**
 * The stored API JSON rendered compact (`{"id":1,"title":...}`) instead of json_build_object's `{"id" : 1, ...}`,
 * and every stored text rendered again. Same keys, same order, same values: clients see fewer bytes, nothing else.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(renderApiJsonFunction(API_JSON_OF_NEW)).execute(db);
  await sql`UPDATE todos SET title = title`.execute(db);
}

export async function down(): Promise<void> {
  // The compact text is valid for every reader of the older one; nothing to undo.
}
