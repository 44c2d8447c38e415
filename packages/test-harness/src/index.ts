export * from "./aws.ts";
export * from "./aws-clients.ts";
export * from "./browser.ts";
export * from "./free-port.ts";
export * from "./infra.ts";
export * from "./postgres.ts";
export * from "./process.ts";
export * from "./wait.ts";
