// npm run bench -- calendar-jobs [--todos 100] [--jobs 40] [--burst 100]
// The calendar export as a user sees it, every service its own process:
// 1. latency from POST /api/v1/todos/ical to SUCCESS (p50/p99) at 1 and 10 concurrent jobs, on the embedded
//    start (PGlite + in-process fauxqs); target p50 < 100 ms for a 100-todo calendar;
// 2. jobs per minute with 1 and 2 calendar processes (a burst of jobs, PostgreSQL so two processes can share
//    the calendar's database).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type Stack, startStack } from "@taskoverflow/devstack";
import { createTestDatabase, startPostgres } from "@taskoverflow/test-harness";
import { benchArgs } from "./lib/args.ts";

const args = benchArgs("calendar-jobs", { todos: "100", jobs: "40", burst: "100" });
const todoCount = args.int("todos");
const jobCount = args.int("jobs");
const burst = args.int("burst");

async function seed(stack: Stack) {
  for (let i = 0; i < todoCount; i++) {
    const res = await fetch(`${stack.gatewayUrl}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: `Todo ${i}, with; punctuation`, deadline_at: "2031-01-01T09:00:00" }),
    });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status}`);
  }
}

/** One job: POST, then poll its status until it settles; returns ms from POST to SUCCESS. */
async function job(stack: Stack, pollMs: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${stack.gatewayUrl}/api/v1/todos/ical`, { method: "POST" });
  if (res.status !== 202) throw new Error(`POST /todos/ical: ${res.status}`);
  const { task_url } = (await res.json()) as { task_url: string };
  for (;;) {
    const s = (await (await fetch(task_url)).json()) as { task_status: string };
    if (s.task_status === "SUCCESS") return performance.now() - started;
    if (s.task_status === "FAILURE") throw new Error("job failed");
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function latencies(stack: Stack, concurrency: number): Promise<number[]> {
  const out: number[] = [];
  let left = jobCount;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) out.push(await job(stack, 2));
    }),
  );
  return out.sort((a, b) => a - b);
}

const pct = (xs: number[], p: number) =>
  xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
const rows: string[] = [];

// 1. Latency on the embedded start.
{
  const dataDir = mkdtempSync(join(tmpdir(), "taskoverflow-bench-"));
  const stack = await startStack({ ports: "random", dataDir, logLevel: "warn" });
  try {
    await seed(stack);
    await latencies(stack, 1); // warm-up
    for (const c of [1, 10]) {
      const xs = await latencies(stack, c);
      rows.push(
        `| embedded (PGlite + fauxqs) | POST → SUCCESS, ${c} concurrent | ${xs.length} jobs | p50 ${pct(xs, 50).toFixed(0)} ms | p99 ${pct(xs, 99).toFixed(0)} ms |`,
      );
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// 2. Throughput with one and two calendar processes sharing a PostgreSQL database.
{
  const pg = await startPostgres("local");
  const dbs = await Promise.all([1, 2, 3].map(() => createTestDatabase(pg.adminUrl)));
  const [todo, calendar, jobs] = dbs.map((d) => d.url);
  const stack = await startStack({
    ports: "random",
    dataDir: "memory",
    databaseUrls: {
      ...(todo && { todo }),
      ...(calendar && { calendar }),
      ...(jobs && { "job-status": jobs }),
    },
    logLevel: "warn",
  });
  try {
    await seed(stack);
    await job(stack, 5); // warm-up
    for (const processes of [1, 2]) {
      if (processes === 2) await stack.startReplica("calendar");
      const started = performance.now();
      await Promise.all(Array.from({ length: burst }, () => job(stack, 50)));
      const seconds = (performance.now() - started) / 1000;
      rows.push(
        `| PostgreSQL + fauxqs | burst of ${burst} jobs, ${processes} calendar process${processes > 1 ? "es" : ""} | ${seconds.toFixed(1)} s | ${Math.round((burst / seconds) * 60)} jobs/min | |`,
      );
    }
  } finally {
    await stack.stop();
    await Promise.all(dbs.map((d) => d.drop()));
    await pg.stop();
  }
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`;
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, ${machine}; ${todoCount} todos per calendar, LOG_LEVEL=warn\n`,
);
console.log("| setup | measurement | count / time | result | |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
