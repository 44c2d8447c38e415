import type { Generated } from "kysely";

/**
 * Row types of the todo service's tables. Only repositories and migrations import this file.
 * Timestamps are written as naive UTC strings and read back only through SQL formatting, so the `pg`
 * driver's local-time Date parsing never applies.
 */
export interface TodoTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  completed: Generated<boolean>;
  deadline_at: string | null;
  created_at: string;
  updated_at: string;
  version: Generated<number>;
  /** The API's JSON of the row, rendered by a trigger on every write (migration 0005). */
  api_json: Generated<string>;
}

export interface TodoTables {
  todos: TodoTable;
}
