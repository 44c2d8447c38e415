// The one fixture of the e2e and fuzz tiers: the system as separate processes (startStack), one real PostgreSQL
// database per service that owns one (PGlite where the harness chose the embedded path), the in-process
// SNS/SQS/S3 emulator, free ports and nothing kept on disk. Started before the file's tests, stopped (and its
// databases dropped) after them.
import { afterAll, beforeAll } from "@jest/globals";
import { checkedFetch, createTestDatabase, type TestDatabase } from "@taskoverflow/test-harness";
import { allServices, type ServiceName, type Stack, type StackOptions, startStack } from "../src/index.ts";
import { variablesOf } from "../src/service-env.ts";

export interface TestStack {
  /** The running stack (only inside tests and hooks declared after startTestStack). */
  readonly stack: Stack;
  /** fetch, checking every API answer against the gateway's OpenAPI document (fails the test on a mismatch). */
  readonly apiFetch: typeof fetch;
}

export type TestStackOptions = Omit<StackOptions, "ports" | "dataDir" | "databaseUrls">;

export function startTestStack(options: TestStackOptions = {}, timeoutMs = 180_000): TestStack {
  let stack: Stack | undefined;
  let apiFetch: typeof fetch | undefined;
  const dbs: TestDatabase[] = [];

  beforeAll(async () => {
    const owners = (options.services ?? allServices).filter((s) => variablesOf(s).includes("DATABASE_URL"));
    dbs.push(...(await Promise.all(owners.map(() => createTestDatabase()))));
    const databaseUrls = Object.fromEntries(owners.map((s, i) => [s, dbs[i]?.url])) as Partial<
      Record<ServiceName, string>
    >;
    stack = await startStack({ ...options, ports: "random", dataDir: "memory", databaseUrls });
    if (stack.services.includes("gateway")) apiFetch = await checkedFetch(stack.gatewayUrl);
  }, timeoutMs);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all(dbs.map((d) => d.drop()));
  }, timeoutMs);

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the test stack is not started (use it inside tests and hooks)");
    return value;
  };
  return {
    get stack() {
      return started(stack);
    },
    get apiFetch() {
      return started(apiFetch);
    },
  };
}
