export * from "./config.ts";
export * from "./database.ts";
export * from "./errors.ts";
export * from "./http.ts";
export * from "./json-body.ts";
export * from "./logger.ts";
export * from "./service.ts";
export * from "./service-app.ts";
