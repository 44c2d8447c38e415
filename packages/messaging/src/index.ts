export * from "./outbox/outbox.migration.ts";
export * from "./outbox/outbox.store.ts";
