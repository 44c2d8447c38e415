// npm run bench -- job-cpu [--jobs 100] [--todos 100] [--wait poll|wait|events] [--poll-ms 2] [--durability durable]
//   [--profile DIR]
// Where a calendar job's time goes: `--jobs` jobs in sequence through the gateway (POST /api/v1/todos/ical ->
// SUCCESS -> result downloaded, as `bench api` does), with the CPU each process spent on them (Linux /proc):
// the four services and the gateway (devstack, each its own process), PostgreSQL (server and backends), fauxqs
// (its own process), this benchmark (the client), and the rest of the machine. First the CPU of the idle stack,
// for a baseline. Latency on two cores is mostly CPU: the per-process split says which hop to work on. Then the
// transactions each service's database committed per job (pg_stat_database; an autocommit statement is one).
// `--profile DIR` runs every service with `--cpu-prof`: one .cpuprofile per process in DIR, written when the stack
// stops (open it in Chrome DevTools' Performance panel, or speedscope).
import { resolve } from "node:path";
import { allServices } from "@taskoverflow/devstack";
import { committedTransactions, durabilitySettings } from "@taskoverflow/test-harness";
import { calendarJob, type JobWait } from "./lib/api-workloads.ts";
import { benchArgs } from "./lib/args.ts";
import { cpuGroups } from "./lib/cpu.ts";
import { startBenchInfra, startBenchStack } from "./lib/infra.ts";
import { seedThroughApi } from "./lib/seed-through-api.ts";
import { benchCommand, machineLine, ms1 } from "./lib/stats.ts";

const args = benchArgs("job-cpu", {
  jobs: "100",
  todos: "100",
  wait: "poll",
  "poll-ms": "2",
  durability: "durable",
  profile: undefined,
});
const jobs = args.int("jobs", 1);
const wait = args.choice("wait", ["poll", "wait", "events"] as const satisfies readonly JobWait[]);
const pollMs = args.int("poll-ms", 0);
const durability = args.choice("durability", ["durable", "fast"] as const);
const idleMs = 3000;

const command = benchCommand("job-cpu");
const startedAt = new Date();
const machine = machineLine();
const services = allServices.filter((s) => s !== "explorer");
const infra = await startBenchInfra({ postgres: durability, broker: true });
try {
  const profileDir = args.values.profile;
  const stack = await startBenchStack(
    infra,
    services,
    profileDir
      ? Object.fromEntries(
          services.map((s) => [
            s,
            ["--cpu-prof", "--cpu-prof-dir", resolve(profileDir), `--cpu-prof-name=${s}.cpuprofile`],
          ]),
        )
      : {},
  );
  await seedThroughApi(stack.gatewayUrl, args.int("todos", 1));
  const cpu = cpuGroups({
    ...Object.fromEntries(services.map((s) => [s, stack.pid(s)])),
    fauxqs: infra.broker?.pid,
    "bench (client)": process.pid,
  });
  // Warm-up (the JIT, the pools, the calendar's projection), then the idle baseline.
  for (let i = 0; i < 10; i++) await calendarJob(stack.gatewayUrl, wait, pollMs);
  // Transactions per service database, read after a pause each time: statistics reach pg_stat_database from an
  // idle backend up to a second later.
  const adminUrl = infra.pg?.adminUrl ?? "";
  const settleMs = 1500;
  const settle = () => new Promise((resolve) => setTimeout(resolve, settleMs));
  await settle();
  const idleTx = await committedTransactions(adminUrl);
  const idleFrom = cpu.snapshot();
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const idle = cpu.since(idleFrom);
  const busyTx = await committedTransactions(adminUrl);

  const from = cpu.snapshot();
  const t0 = performance.now();
  const latencies: number[] = [];
  for (let i = 0; i < jobs; i++) latencies.push(await calendarJob(stack.gatewayUrl, wait, pollMs));
  const wallMs = performance.now() - t0;
  const used = cpu.since(from);
  await settle();
  const doneTx = await committedTransactions(adminUrl);
  const txRows = Object.entries(infra.databases).map(([service, name]) => {
    const per = (a: Map<string, number>, b: Map<string, number>) => (b.get(name) ?? 0) - (a.get(name) ?? 0);
    // The idle rate (per ms) over a job's wall time; the jobs' count less the idle rate over the settling pause.
    const idleRate = per(idleTx, busyTx) / idleMs;
    const idlePerJob = idleRate * (wallMs / jobs);
    const perJobTx = (per(busyTx, doneTx) - idleRate * settleMs) / jobs;
    return `| ${service} | ${perJobTx.toFixed(2)} | ${idlePerJob.toFixed(2)} |`;
  });

  const groups = [...new Set([...Object.keys(used), ...Object.keys(idle)])].sort(
    (a, b) => (used[b] ?? 0) - (used[a] ?? 0),
  );
  const total = Object.values(used).reduce((a, b) => a + b, 0);
  const perJob = (ms: number) => (ms / jobs).toFixed(1);
  const idlePerJob = (group: string) => (((idle[group] ?? 0) / idleMs) * (wallMs / jobs)).toFixed(1);
  console.log(`
\`${command}\`

- date: ${startedAt.toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${machine} at start
- ${jobs} jobs in sequence after 10 warm-up jobs, ${args.values.todos} todos; status ${wait === "poll" ? `polled every ${pollMs} ms` : wait === "wait" ? "long-polled (Prefer: wait=5)" : "pushed by the job's event stream"}; PostgreSQL ${durability} (${durabilitySettings(durability).join(", ")}); fauxqs in a process of its own; LOG_LEVEL=warn
- latency p50 ${ms1(latencies, 50)} ms, p99 ${ms1(latencies, 99)} ms; ${(wallMs / jobs).toFixed(1)} ms of wall time per job
- CPU per job, all processes: ${perJob(total)} ms (2 cores give ${((2 * wallMs) / jobs).toFixed(1)} ms per job's wall time)

| process | CPU ms per job | of which idle (baseline, same wall time) |
|---|---:|---:|
${groups.map((g) => `| ${g} | ${perJob(used[g] ?? 0)} | ${idlePerJob(g)} |`).join("\n")}

| service database | transactions per job (autocommit statements) | of which idle (baseline) |
|---|---:|---:|
${txRows.join("\n")}
`);
} finally {
  await infra.stop();
}
