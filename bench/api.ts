// npm run bench -- api [--duration 10] [--connections 50] [--backend pglite|postgres|both]
// Requests/s and p50/p99 latency through the gateway for GET /api/v1/todos (100 todos) and POST /api/v1/todos,
// with the services as separate processes, on embedded PGlite and on a local PostgreSQL server.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startStack } from "@taskoverflow/devstack";
import { createTestDatabase, startPostgres } from "@taskoverflow/test-harness";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    backend: { type: "string", default: "both" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const backends = values.backend === "both" ? ["pglite", "postgres"] : [values.backend ?? "pglite"];

interface Row {
  backend: string;
  request: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}
const rows: Row[] = [];

for (const backend of backends) {
  const dataDir = mkdtempSync(join(tmpdir(), "taskoverflow-bench-"));
  const pg = backend === "postgres" ? await startPostgres("local") : undefined;
  const db = pg ? await createTestDatabase(pg.adminUrl) : undefined;
  const stack = await startStack({
    services: ["todo", "gateway"],
    ports: "random",
    dataDir,
    ...(db && { databaseUrls: { todo: db.url } }),
    logLevel: "warn",
  });
  try {
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${stack.gatewayUrl}/api/v1/todos`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          title: `Todo ${i}`,
          description: "A todo with a description of moderate length",
          deadline_at: "2030-01-01T12:00:00",
        }),
      });
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status}`);
    }
    const list = await measure(`${stack.gatewayUrl}/api/v1/todos`, { method: "GET" });
    rows.push({ backend, request: "GET /api/v1/todos (100 todos)", ...list });
    const create = await measure(`${stack.gatewayUrl}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Benchmark", description: "created by bench/api.ts" }),
    });
    rows.push({ backend, request: "POST /api/v1/todos", ...create });
  } finally {
    await stack.stop();
    await db?.drop();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measure(
  url: string,
  request: { method: "GET" | "POST"; headers?: Record<string, string>; body?: string },
) {
  await autocannon({ url, connections, duration: 2, ...request }); // warm-up
  const r = await autocannon({ url, connections, duration, ...request });
  const errors = r.errors + r.timeouts + (r.non2xx ?? 0);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors };
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`;
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, ${machine}; ${connections} connections, ${duration} s each, LOG_LEVEL=warn\n`,
);
console.log("| backend | request | requests/s | p50 ms | p99 ms | errors |");
console.log("|---|---|---:|---:|---:|---:|");
for (const r of rows)
  console.log(`| ${r.backend} | ${r.request} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
