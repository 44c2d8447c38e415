// The README's configuration table against the services' zod schemas: every variable it lists exists, in the
// schema of every service it says reads it, and every variable a service reads that the table names for some
// service is named for this one too. (The per-service READMEs carry the full lists.)
import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { calendarEnvSchema } from "../services/calendar/src/config.ts";
import { explorerEnvSchema } from "../services/explorer/src/config.ts";
import { configSchema as gatewayEnvSchema } from "../services/gateway/src/config.ts";
import { jobStatusEnvSchema } from "../services/job-status/src/config.ts";
import { todoEnvSchema } from "../services/todo/src/config.ts";

const schemas: Record<string, string[]> = {
  todo: Object.keys(todoEnvSchema.shape),
  calendar: Object.keys(calendarEnvSchema.shape),
  "job-status": Object.keys(jobStatusEnvSchema.shape),
  explorer: Object.keys(explorerEnvSchema.shape),
  gateway: Object.keys(gatewayEnvSchema.shape),
};

function readmeTable(): Array<{ variables: string[]; services: string[] }> {
  const text = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const start = text.indexOf("| variable | used by |");
  if (start < 0) throw new Error("README.md has no configuration table");
  const rows = text.slice(start).split("\n\n")[0]?.split("\n").slice(2) ?? [];
  return rows.map((row) => {
    const [, vars = "", users = ""] = row.split("|").map((c) => c.trim());
    const services = users === "each service" ? Object.keys(schemas) : users.split(/,\s*/);
    return { variables: [...vars.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1] as string), services };
  });
}

describe("README configuration table", () => {
  const table = readmeTable();

  it("names only variables the named services read", () => {
    expect(table.length).toBeGreaterThan(10);
    const wrong = table.flatMap(({ variables, services }) =>
      variables.flatMap((v) =>
        services.filter((s) => !schemas[s]?.includes(v)).map((s) => `${v} is not read by ${s}`),
      ),
    );
    expect(wrong).toEqual([]);
  });

  it("names every service that reads a variable it lists", () => {
    const claimed = new Map<string, Set<string>>();
    for (const { variables, services } of table) {
      for (const v of variables) claimed.set(v, new Set([...(claimed.get(v) ?? []), ...services]));
    }
    const missing = Object.entries(schemas).flatMap(([service, keys]) =>
      keys
        .filter((k) => claimed.has(k) && !claimed.get(k)?.has(service))
        .map((k) => `${k} (read by ${service})`),
    );
    expect(missing).toEqual([]);
  });
});
