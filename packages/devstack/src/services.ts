import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export type ServiceName = "todo" | "job-status" | "calendar" | "explorer" | "gateway";

/** Start order: the gateway last, so it only takes traffic once its backends are up. */
export const allServices: ServiceName[] = ["todo", "job-status", "calendar", "explorer", "gateway"];

export const defaultPorts: Record<ServiceName, number> = {
  gateway: 6400,
  todo: 6401,
  calendar: 6402,
  "job-status": 6403,
  explorer: 6404,
};

export function serviceEntry(name: ServiceName): string {
  return join(repoRoot, "services", name, "src", "main.ts");
}
