import { type AwsEndpoint, startLocalStack, startMoto } from "../aws.ts";
import { chooseInfra, motoAvailable } from "../infra.ts";
import { type PostgresServer, startPostgres } from "../postgres.ts";

declare global {
  var __taskoverflowInfra: { postgres: PostgresServer; aws: AwsEndpoint[] } | undefined;
}

/**
 * Starts the shared infrastructure for the int and e2e tiers once per jest run and hands its addresses to
 * the test workers through the environment. moto is required when TASKOVERFLOW_TEST_MOTO=required (CI).
 */
export default async function globalSetup(): Promise<void> {
  const kind = chooseInfra();
  const wantMoto = process.env.TASKOVERFLOW_TEST_MOTO ?? "auto";
  const started = performance.now();
  const postgres = await startPostgres(kind);
  const aws: AwsEndpoint[] = [];
  if (wantMoto === "required" || (wantMoto === "auto" && motoAvailable())) aws.push(await startMoto());
  if (kind === "testcontainers") aws.push(await startLocalStack());
  process.env.TASKOVERFLOW_TEST_PG_KIND = kind;
  process.env.TASKOVERFLOW_TEST_PG_ADMIN_URL = postgres.adminUrl;
  for (const e of aws) process.env[`TASKOVERFLOW_TEST_${e.name.toUpperCase()}_ENDPOINT`] = e.endpoint;
  globalThis.__taskoverflowInfra = { postgres, aws };
  const emulators = ["fauxqs", ...aws.map((e) => e.name)].join(", ");
  const db = `PostgreSQL via ${kind} (${postgres.adminUrl.replace(/:[^:@/]*@/, ":***@")})`;
  process.stderr.write(
    `\n[test-harness] infrastructure: ${db}; AWS emulators: ${emulators} (ready in ${Math.round(performance.now() - started)} ms)\n`,
  );
}
