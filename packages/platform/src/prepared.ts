import type { Compilable, CompiledQuery, Kysely, QueryResult, RawBuilder } from "kysely";
import type pg from "pg";

/**
 * Named prepared statements for the statements a service repeats on every request (docs/architecture.md,
 * "Prepared statements"). Kysely sends each query as unnamed text, which PostgreSQL parses, analyses and plans
 * on every call. A statement run through `executePrepared` has its SQL text registered under a name; on a
 * PostgreSQL server (the pool's clients are hooked by `openDatabase`) node-postgres then sends that text as a
 * named statement: PostgreSQL parses it once per connection and, once its generic plan is as cheap as a
 * custom one (after 5 executions), stops planning it too. A changed schema invalidates the cached plan and
 * PostgreSQL replans by itself; a statement whose result columns could change under a migration (`SELECT *`,
 * `RETURNING *` as the final result) should not be registered ("cached plan must not change result type").
 * On PGlite nothing is hooked: the text runs as before.
 *
 * Only statements whose text has a small, fixed set of shapes belong here (values as parameters, never spliced
 * in): every distinct text costs one prepared statement per connection. The registry stops naming new texts
 * after `MAX_PREPARED` of them.
 */

const names = new Map<string, string>();

/** Distinct texts named at most; later ones run unnamed (a guard against a dynamic text registered by mistake). */
export const MAX_PREPARED = 200;

/** The statement name of `text` (registering it), or undefined once the registry is full. */
export function preparedName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED) {
    name = `taskoverflow_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs `query` (a Kysely builder or `sql` template) as a named prepared statement on a PostgreSQL server; on
 * PGlite like `query.execute(db)`.
 */
export async function executePrepared<DB, R>(
  db: Kysely<DB>,
  query: RawBuilder<R> | Compilable<R>,
): Promise<QueryResult<R>> {
  // A query builder compiles with its own executor and ignores the argument; a `sql` template needs it.
  const compiled = (query as { compile(db: Kysely<DB>): CompiledQuery<R> }).compile(db);
  preparedName(compiled.sql);
  return db.executeQuery(compiled);
}

type QueryFn = (...args: unknown[]) => unknown;

/**
 * Makes `client` send registered texts as named statements (called once per new pool client). Only calls with
 * parameters are named: node-postgres sends those through the extended protocol anyway, so nothing changes
 * for parameterless text (which may hold several statements).
 */
export function namePreparedStatements(client: pg.Client | pg.PoolClient): void {
  const original = client.query.bind(client) as QueryFn;
  const hooked: QueryFn = (text, values, callback) => {
    if (typeof text === "string" && Array.isArray(values) && values.length > 0) {
      const name = names.get(text);
      if (name !== undefined) return original({ name, text, values }, callback);
    }
    return callback === undefined
      ? values === undefined
        ? original(text)
        : original(text, values)
      : original(text, values, callback);
  };
  (client as unknown as { query: QueryFn }).query = hooked;
}
