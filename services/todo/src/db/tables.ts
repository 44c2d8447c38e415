import type { OutboxTables } from "@taskoverflow/messaging";
import type { CalendarRequestTables } from "../calendar-requests/index.ts";
import type { TodoTables } from "../todos/todo.table.ts";

/** Every table of the todo service's database. */
export type TodoServiceTables = TodoTables & OutboxTables & CalendarRequestTables;
