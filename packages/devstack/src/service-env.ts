// The launcher reads each service's own environment schema (its config.ts, nothing else of the service): the
// variables a service is given, their defaults and the services it calls all come from there, never from a
// second hand-kept list.
import { calendarEnvSchema } from "../../../services/calendar/src/config.ts";
import { explorerEnvSchema } from "../../../services/explorer/src/config.ts";
import { configSchema as gatewayEnvSchema } from "../../../services/gateway/src/config.ts";
import { jobStatusEnvSchema } from "../../../services/job-status/src/config.ts";
import { todoEnvSchema } from "../../../services/todo/src/config.ts";
import type { ServiceName } from "./services.ts";

/** What the launcher needs of a zod object schema. */
interface EnvSchema {
  shape: Record<string, { parse(value: unknown): unknown }>;
}

const envSchemas: Record<ServiceName, EnvSchema> = {
  todo: todoEnvSchema,
  calendar: calendarEnvSchema,
  "job-status": jobStatusEnvSchema,
  explorer: explorerEnvSchema,
  gateway: gatewayEnvSchema,
};

/** Variables every process gets whatever its schema says: the runtime's own and the AWS SDK's credentials. */
const processVariables = ["PATH", "HOME", "NODE_ENV", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

/** The variables a service reads: the keys of its config schema. */
export function variablesOf(name: ServiceName): string[] {
  return Object.keys(envSchemas[name].shape);
}

/** The value a service uses when a variable is unset, as its schema writes it. */
export function defaultOf(name: ServiceName, variable: string): unknown {
  const field = envSchemas[name].shape[variable];
  if (!field) throw new Error(`${name} reads no ${variable}`);
  return field.parse(undefined);
}

/** The variable through which a service is told where another one listens. */
export function urlVariable(name: ServiceName): string {
  return `${name.toUpperCase().replaceAll("-", "_")}_SERVICE_URL`;
}

/** The services (among `running`) that a service calls: those whose URL variable its schema reads. */
export function dependenciesOf(name: ServiceName, running: readonly ServiceName[]): ServiceName[] {
  const reads = new Set(variablesOf(name));
  return running.filter((other) => other !== name && reads.has(urlVariable(other)));
}

/**
 * A service's environment: of what the stack offers, the variables its schema reads, then `extra` (which may
 * only name variables the schema reads, so a misspelt tuning knob fails instead of being ignored).
 */
export function environmentFor(
  name: ServiceName,
  offered: Record<string, string | undefined>,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const reads = new Set(variablesOf(name));
  const unknown = Object.keys(extra).filter((v) => !reads.has(v));
  if (unknown.length > 0)
    throw new Error(`${name} reads no ${unknown.join(", ")} (see services/${name}/src/config.ts)`);
  const picked: NodeJS.ProcessEnv = {};
  for (const variable of [...processVariables, ...reads]) {
    const value = offered[variable];
    if (value !== undefined) picked[variable] = value;
  }
  return { ...picked, ...extra };
}

/** The offered variables no service reads (a launcher offering them has drifted from the schemas). */
export function unreadVariables(offered: Record<string, unknown>): string[] {
  const read = new Set([
    ...processVariables,
    ...Object.values(envSchemas).flatMap((s) => Object.keys(s.shape)),
  ]);
  return Object.keys(offered).filter((v) => !read.has(v));
}
