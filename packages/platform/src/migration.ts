import type { CreateTableBuilder, Kysely } from "kysely";
import type { Migration } from "kysely/migration";

/** A table's columns and constraints: `(t) => t.addColumn(...)...`, given `db.schema.createTable(name)`. */
export type TableDefinition = (
  table: CreateTableBuilder<string, never>,
) => CreateTableBuilder<string, string>;

/**
 * A migration that creates tables, in the order given, then runs `after` (indexes, seed rows); its down drops
 * the tables again, last first. The `Migration` for what is only new tables (`migrate` applies it).
 */
export function createTablesMigration(
  tables: Record<string, TableDefinition>,
  after?: (db: Kysely<unknown>) => Promise<void>,
): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const [name, define] of Object.entries(tables))
        await define(db.schema.createTable(name)).execute();
      await after?.(db);
    },
    async down(db: Kysely<unknown>) {
      for (const name of Object.keys(tables).reverse()) await db.schema.dropTable(name).execute();
    },
  };
}
