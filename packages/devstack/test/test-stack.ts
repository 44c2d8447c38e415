// The one fixture of the e2e and fuzz tiers: the system as separate processes (startStack), one real PostgreSQL
// database per service that owns one (PGlite where the harness chose the embedded path), the in-process
// SNS/SQS/S3 emulator, free ports and nothing kept on disk. Started before the file's tests, stopped (and its
// databases dropped) after them.
import { afterAll, beforeAll } from "@jest/globals";
import { checkedFetch, createTestDatabase, type TestDatabase } from "@taskoverflow/test-harness";
import { allServices, type ServiceName, type Stack, type StackOptions, startStack } from "../src/index.ts";
import { variablesOf } from "../src/service-env.ts";

export interface TestStack {
  /** The running stack (in tests and in hooks declared after startTestStack). */
  readonly stack: Stack;
  /** fetch, checking every API answer against the gateway's OpenAPI document (fails the test on a mismatch). */
  readonly apiFetch: typeof fetch;
}

export type TestStackOptions = Omit<StackOptions, "ports" | "dataDir" | "databaseUrls">;

/** The fields are set by the beforeAll hook this registers: read them in tests and later hooks. */
export function startTestStack(options: TestStackOptions = {}, timeoutMs = 180_000): TestStack {
  const system = {} as { stack: Stack; apiFetch: typeof fetch };
  const dbs: TestDatabase[] = [];

  beforeAll(async () => {
    const owners = (options.services ?? allServices).filter((s) => variablesOf(s).includes("DATABASE_URL"));
    dbs.push(...(await Promise.all(owners.map(() => createTestDatabase()))));
    const databaseUrls = Object.fromEntries(owners.map((s, i) => [s, dbs[i]?.url])) as Partial<
      Record<ServiceName, string>
    >;
    system.stack = await startStack({ ...options, ports: "random", dataDir: "memory", databaseUrls });
    if (system.stack.services.includes("gateway"))
      system.apiFetch = await checkedFetch(system.stack.gatewayUrl);
  }, timeoutMs);

  afterAll(async () => {
    await system.stack?.stop();
    await Promise.all(dbs.map((d) => d.drop()));
  }, timeoutMs);

  return system;
}
