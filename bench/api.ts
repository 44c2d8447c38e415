// npm run bench -- api [--peer course] [--target URL] [--durability durable|fast|both] [--duration 10] [--rounds 3]
//                      [--warmup 2] [--connections 50] [--threads 2] [--load auto|wrk|autocannon] [--todos 100]
//                      [--jobs 40] [--poll-ms 2] [--clear] [--with-explorer]
// Through the API contract (../shared/taskoverflow-api.md), after seeding `--todos` todos through the API:
//   unchanged GET /api/v1/todos; 9 GET : 1 PUT (the PUTs rotate over the seeded todos, so the list keeps
//   changing); POST /api/v1/todos; and calendar job latency (POST /todos/ical -> status polled to SUCCESS ->
//   result downloaded, `--jobs` in sequence), once more with SUCCESS pushed by the job's event stream (GET
//   .../events, how the web UI waits; a server without one shows why in its cell).
// What is measured: TaskOverflow (all four services + gateway as separate processes, fauxqs in a process of its own,
// on a local PostgreSQL server with durable or fast settings), or with `--target URL` any server that speaks the
// contract (another implementation, a deployment). `--peer course` also starts the course's Flask + gunicorn +
// Celery stack on the same PostgreSQL server (its own database) and prints both columns and the ratio.
// Each load row: warm-up, then `--rounds` rounds of `--duration` seconds; the table shows the median of each figure.
import { allServices, repoRoot } from "@taskoverflow/devstack";
import { durabilitySettings } from "@taskoverflow/test-harness";
import { table } from "./lib/api-report.ts";
import { type ApiRun, measureAll, prepare, type Subject } from "./lib/api-workloads.ts";
import { benchArgs } from "./lib/args.ts";
import { startCoursePeer } from "./lib/course-peer.ts";
import { postgresVersion, startBenchInfra, startBenchStack } from "./lib/infra.ts";
import { chooseLoadGenerator } from "./lib/load.ts";
import { benchCommand, machineLine } from "./lib/stats.ts";

const args = benchArgs("api", {
  target: undefined,
  peer: undefined,
  durability: "durable",
  duration: "10",
  rounds: "3",
  warmup: "2",
  connections: "50",
  threads: "2",
  load: "auto",
  todos: "100",
  jobs: "40",
  "poll-ms": "2",
  clear: false,
  /** Also run the explorer (a fifth consumer of every event); issue 8's figures are for the four services. */
  "with-explorer": false,
});
const { values } = args;
if (values.peer !== undefined && values.peer !== "course")
  args.usage(`--peer must be "course", got ${values.peer}`);
const durability = args.choice("durability", ["durable", "fast", "both"] as const);
if (values.target !== undefined) {
  try {
    const u = new URL(values.target);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    args.usage(`--target must be an http(s) URL, got ${values.target}`);
  }
}
const threads = args.int("threads");
const run: ApiRun = {
  gen: chooseLoadGenerator(args.choice("load", ["auto", "wrk", "autocannon"] as const), threads),
  connections: args.int("connections"),
  threads,
  duration: args.int("duration"),
  warmup: args.int("warmup", 0),
  rounds: args.int("rounds"),
  todoCount: args.int("todos"),
  jobCount: args.int("jobs"),
  pollMs: args.int("poll-ms", 0),
  clear: values.clear,
};
const target = values.target?.replace(/\/$/, "");
const withPeer = values.peer === "course";
/** PostgreSQL is started when something of ours runs on it: TaskOverflow (no --target) or the peer. */
const needsPostgres = target === undefined || withPeer;
const modes: ("durable" | "fast")[] = !needsPostgres
  ? ["durable"] // unused: the target brings its own database
  : durability === "both"
    ? ["durable", "fast"]
    : [durability];
const { todoCount, jobCount, rounds, duration, warmup, pollMs, gen, connections } = run;

// ---- run ----

const command = benchCommand("api");
const startedAt = new Date();
const machine = machineLine();
const reports: string[] = [];

for (const mode of modes) {
  // The broker in a process of its own, as deployed (and as the course stack's Redis is): not in the event loop
  // that also polls job status.
  const infra = await startBenchInfra({ postgres: needsPostgres && mode, broker: target === undefined });
  try {
    const subjects: Subject[] = [];
    if (withPeer) {
      const peer = infra.own(await startCoursePeer(repoRoot, await infra.newDb()));
      subjects.push(await prepare(run, "course stack", peer.url));
    }
    if (target) {
      subjects.push(await prepare(run, `target ${target}`, target));
    } else {
      const stack = await startBenchStack(
        infra,
        allServices.filter((s) => s !== "explorer" || values["with-explorer"]),
      );
      subjects.push(await prepare(run, "TaskOverflow", stack.gatewayUrl));
    }
    const results = await measureAll(run, subjects);
    const pgLine = infra.pg
      ? `${postgresVersion()} (local server, ${mode}: ${durabilitySettings(mode).join(", ")}; ` +
        `${target ? "the course stack's database; the target has its own" : withPeer ? "one server, a database each for the course stack and TaskOverflow's three services" : "a database each for TaskOverflow's three services"})`
      : "the target's own database";
    const sizes = subjects
      .map(
        (s) =>
          `${s.name} ${s.listSize}${s.listSize !== todoCount ? " (not the seeded count: pass --clear to start empty)" : ""}`,
      )
      .join(", ");
    reports.push(
      [
        `#### ${needsPostgres ? `PostgreSQL ${mode}` : "target"}`,
        "",
        `- PostgreSQL: ${pgLine}`,
        `- list size after seeding: ${sizes}`,
        "",
        table(subjects, results, needsPostgres ? mode : undefined, run),
      ].join("\n"),
    );
  } finally {
    await infra.stop();
  }
}

console.log(`
\`${command}\`

- date: ${startedAt.toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${machine} at start
- load generator: ${gen.describe(connections)}; ${duration} s rounds after a ${warmup} s warm-up, median of ${rounds} round${rounds > 1 ? "s" : ""} per figure (requests/s, p50, p99 each; errors summed)
- calendar: 5 warm-up jobs, then ${rounds} round${rounds > 1 ? "s" : ""} of ${jobCount} jobs in sequence (status polled every ${pollMs} ms), median of the rounds' p50 and p99
- ${target ? `target: ${target}` : `TaskOverflow: todo, calendar, job-status${values["with-explorer"] ? ", explorer" : ""} and gateway as separate processes (devstack), fauxqs in a process of its own, LOG_LEVEL=warn`}${withPeer ? "; course stack: ../shared/peers/course-stack/run.sh (gunicorn 4 sync workers, Celery -c 2, Redis)" : ""}

${reports.join("\n\n")}
`);
