// The rehearsal's check of each service's environment in ECS against the service's own config schema.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "@jest/globals";
import { repoRoot } from "./lib.ts";
import { containerEnv, type Rehearsal, services } from "./rehearsal.ts";

// Variables whose schema default or absence is right in AWS although they are unset there.
const unsetOnPurpose: Record<string, string> = {
  AWS_ENDPOINT_URL: "unset means real AWS",
  CALENDAR_EXPORT_SERVICE_URL: "unset means the todo service (through the gateway's TODO_SERVICE_URL)",
};
// Variables with a default that is only right on a developer's machine, besides defaults naming localhost.
const deploymentSpecific = ["HOST", "TRUST_PROXY", "CALENDAR_BUCKET", "PUBLIC_URL"];

export function serviceEnvironmentChecks(r: Rehearsal): void {
  // Compose once lacked TOPIC_ARN and published nothing: that class of bug, caught on what ECS was given.
  it.each(services)("sets on %s every variable its config schema needs in production", async (service) => {
    const td = r.taskDefinitions.get(service);
    const container = td?.containerDefinitions.find((c) => c.name === service);
    if (!container) throw new Error(`no container ${service} in the ${service} task definition`);
    const effective: Record<string, string> = {
      ...dockerfileEnv(service),
      ...(await containerEnv(r, container)),
    };

    const module = (await import(join(repoRoot, "services", service, "src/config.ts"))) as Record<
      string,
      unknown
    >;
    const schema = Object.values(module).find(isZodObject);
    if (!schema) throw new Error(`services/${service}/src/config.ts exports no zod object schema`);
    const needed = Object.entries(schema.shape)
      .filter(([name, field]) => {
        if (unsetOnPurpose[name]) return false;
        const unset = field.safeParse(undefined);
        if (!unset.success || unset.data === undefined) return true; // required, or unset means a local fallback
        if (typeof unset.data === "string" && /127\.0\.0\.1|localhost/.test(unset.data)) return true;
        return deploymentSpecific.includes(name);
      })
      .map(([name]) => name)
      .sort();
    expect({ service, missing: needed.filter((n) => effective[n] === undefined) }).toEqual({
      service,
      missing: [],
    });
    expect({ service, AWS_ENDPOINT_URL: effective.AWS_ENDPOINT_URL }).toEqual({
      service,
      AWS_ENDPOINT_URL: undefined,
    });
    const loadConfig = module.loadConfig as (env: NodeJS.ProcessEnv) => unknown;
    expect(() => loadConfig(effective)).not.toThrow();
    if (effective.DATABASE_URL)
      expect(new URL(effective.DATABASE_URL).searchParams.get("sslmode")).toBe("verify-full");
  });
}

function isZodObject(
  v: unknown,
): v is { shape: Record<string, { safeParse(x: unknown): { success: boolean; data?: unknown } }> } {
  return typeof v === "object" && v !== null && "shape" in v && "safeParse" in v;
}

/** The ENV lines of the root Dockerfile, as the container sees them (SERVICE is the build argument). */
function dockerfileEnv(service: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(repoRoot, "Dockerfile"), "utf8").split("\n")) {
    const m = /^ENV\s+(.+)$/.exec(line.trim());
    if (!m?.[1]) continue;
    for (const pair of m[1].split(/\s+/)) {
      const [k, v] = pair.split("=");
      if (k && v !== undefined) env[k] = v.replace(/\$\{SERVICE\}/, service);
    }
  }
  return env;
}
