export { calendarRequestsMigration } from "./calendar-request.migration.ts";
export { type CalendarRequestDeps, calendarRequestRoutes, publicOrigin } from "./calendar-request.routes.ts";
export type { CalendarRequestDatabase, CalendarRequestTables } from "./calendar-request.table.ts";
