export { calendarRequestsMigration } from "./calendar-request.migration.ts";
export { type CalendarRequestDeps, calendarRequestRoutes } from "./calendar-request.routes.ts";
export type { CalendarRequestDatabase, CalendarRequestTables } from "./calendar-request.table.ts";
