// The rehearsal's shared pieces: what one apply leaves for the checks (the task definitions, outputs, state and
// everything printed), and reading secrets back from moto. The checks themselves are grouped by what they check:
// rehearsal.edge.ts (alarms, listeners, logs), rehearsal.env.ts (each service's environment),
// rehearsal.db-init.ts (db-init against a real PostgreSQL).
import { createRequire } from "node:module";
import { join } from "node:path";
import { aws, type RunResult, repoRoot } from "./lib.ts";

export const minutes = (n: number) => n * 60_000;

export interface PgClient {
  connect(): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
export const pg = createRequire(join(repoRoot, "packages/test-harness/package.json"))("pg") as {
  Client: new (config: { connectionString: string }) => PgClient;
};

export interface ContainerDefinition {
  name: string;
  command?: string[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
}
export interface TaskDefinition {
  family: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  containerDefinitions: ContainerDefinition[];
}

export const services = ["gateway", "todo", "calendar", "job-status", "explorer"] as const;

/** What one rehearsal's apply left, filled in by its beforeAll. */
export interface Rehearsal {
  dir: string;
  up: RunResult;
  down?: RunResult | undefined;
  endpoint: string;
  stateAfterApply: string;
  outputs: string;
  /** Everything terraform, the scripts and db-init printed (searched for passwords at the end). */
  printed: string[];
  taskDefinitions: Map<string, TaskDefinition>;
}

/** A secret's value as ECS would inject it: `arn:...:secret:<name>[:<json key>:<stage>:<version>]`. */
export async function secretValue(r: Rehearsal, valueFrom: string): Promise<string> {
  const parts = valueFrom.split(":");
  const arn = parts.slice(0, 7).join(":");
  const jsonKey = parts[7];
  const value = (
    (await aws(r.endpoint, "secretsmanager", "get-secret-value", "--secret-id", arn)) as {
      SecretString: string;
    }
  ).SecretString;
  return jsonKey ? String((JSON.parse(value) as Record<string, unknown>)[jsonKey]) : value;
}

/** A container's environment and secrets, as the task sees them. */
export async function containerEnv(
  r: Rehearsal,
  container: {
    environment?: { name: string; value: string }[];
    secrets?: { name: string; valueFrom: string }[];
  },
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const e of container.environment ?? []) env[e.name] = e.value;
  for (const s of container.secrets ?? []) env[s.name] = await secretValue(r, s.valueFrom);
  return env;
}
