// SQL fragments shared by the todo migration (the trigger that renders the API JSON) and the repository.

// Naive UTC in Python isoformat() style: the fraction (microseconds) only when it is not zero.
export const iso = (column: string) =>
  `CASE WHEN ${column} = date_trunc('second', ${column}) ` +
  `THEN to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS') ` +
  `ELSE to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US') END`;

/**
 * The API's JSON of the row being written, for the BEFORE INSERT OR UPDATE trigger: compact (`{"id":1,...}`) and
 * in the contract's key order. row_to_json of a row in that order, because json_build_object's text puts spaces
 * around every colon (`{"id" : 1, ...}`) and jsonb's text reorders the keys.
 */
export const API_JSON_OF_NEW =
  `(SELECT row_to_json(r)::text FROM (SELECT NEW.id AS id, NEW.title AS title, NEW.description AS description, ` +
  `NEW.completed AS completed, ${iso("NEW.deadline_at")} AS deadline_at, ${iso("NEW.created_at")} AS created_at, ` +
  `${iso("NEW.updated_at")} AS updated_at) r)`;

/** The trigger function that keeps `api_json` rendered (migrations 0005 and 0006). */
export const renderApiJsonFunction = (expression: string) =>
  `CREATE OR REPLACE FUNCTION todos_render_api_json() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.api_json := ${expression};
  RETURN NEW;
END
$fn$`;

/**
 * The event contract's TodoState (UTC with a Z, camelCase, with the version) of a row in scope, as jsonb.
 * `version` is an expression so a deletion can carry one past the row's last version.
 */
export const todoStateSql = (version = "version") =>
  `jsonb_build_object('id', id, 'title', title, 'description', description, 'completed', completed, ` +
  `'deadlineAt', (${iso("deadline_at")}) || 'Z', 'createdAt', (${iso("created_at")}) || 'Z', ` +
  `'updatedAt', (${iso("updated_at")}) || 'Z', 'version', ${version})`;
