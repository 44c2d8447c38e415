// SQL fragments shared by the todo migration (the trigger that renders the API JSON) and the repository.

// Naive UTC in Python isoformat() style: the fraction (microseconds) only when it is not zero.
const iso = (column: string) =>
  `CASE WHEN ${column} = date_trunc('second', ${column}) ` +
  `THEN to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS') ` +
  `ELSE to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US') END`;

const apiJson = (p: string) =>
  `json_build_object('id', ${p}id, 'title', ${p}title, 'description', ${p}description, ` +
  `'completed', ${p}completed, 'deadline_at', ${iso(`${p}deadline_at`)}, ` +
  `'created_at', ${iso(`${p}created_at`)}, 'updated_at', ${iso(`${p}updated_at`)})::text`;

/** The API's JSON of the row being written, for the BEFORE INSERT OR UPDATE trigger. */
export const API_JSON_OF_NEW = apiJson("NEW.");

/**
 * The event contract's TodoState (UTC with a Z, camelCase, with the version) of a row in scope, as jsonb.
 * `version` is an expression so a deletion can carry one past the row's last version.
 */
export const todoStateSql = (version = "version") =>
  `jsonb_build_object('id', id, 'title', title, 'description', description, 'completed', completed, ` +
  `'deadlineAt', (${iso("deadline_at")}) || 'Z', 'createdAt', (${iso("created_at")}) || 'Z', ` +
  `'updatedAt', (${iso("updated_at")}) || 'Z', 'version', ${version})`;
