// The API benchmark's workloads (bench/api.ts): seeding a server through the API, the HTTP load rounds, and calendar
// jobs as a user sees them (POST, status polled to SUCCESS, long-polled, or pushed over the job's event stream,
// result downloaded).
import { openEventStream } from "@taskoverflow/test-harness";
import { type LoadGenerator, type LoadResult, runLoad, type WorkloadKind } from "./load.ts";
import { median, percentile } from "./stats.ts";

export interface Subject {
  name: string;
  url: string;
  ids: number[];
  listSize: number;
}
export interface LoadFigures extends LoadResult {
  rounds: LoadResult[];
}
export interface JobFigures {
  p50Ms: number;
  p99Ms: number;
  jobs: number;
  failures: number;
  error?: string;
}
/**
 * `ical`: the status polled (what any client of the contract can do); `icalWait`: polled with `Prefer: wait`
 * (RFC 7240: held until the job moves on; a server that ignores it is simply polled); `icalEvents`: pushed (the
 * web UI's way).
 */
export type Measured = Record<WorkloadKind, LoadFigures> & {
  ical: JobFigures;
  icalWait: JobFigures;
  icalEvents: JobFigures;
};
export type JobWait = "poll" | "wait" | "events";
/** What a `wait` client asks for: well below any gateway timeout, and far longer than a job takes. */
const preferWait = "wait=5";

export interface ApiRun {
  gen: LoadGenerator;
  connections: number;
  threads: number;
  /** Seconds per round, and of the warm-up before a workload's rounds (0: none). */
  duration: number;
  warmup: number;
  rounds: number;
  todoCount: number;
  jobCount: number;
  /** How long to wait between two status polls of a calendar job. */
  pollMs: number;
  /** Empty the server before seeding. */
  clear: boolean;
}

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
export async function prepare(run: ApiRun, name: string, url: string): Promise<Subject> {
  const health = await api(url, "GET", "/api/v1/health").catch((err: Error) => {
    throw new Error(`${name}: ${url}/api/v1/health unreachable: ${err.message}`);
  });
  if (!health.ok) throw new Error(`${name}: GET /api/v1/health answered ${health.status}`);
  if (run.clear) {
    const existing = (await (await api(url, "GET", "/api/v1/todos")).json()) as { id: number }[];
    for (const t of existing) await api(url, "DELETE", `/api/v1/todos/${t.id}`);
  }
  const ids: number[] = [];
  for (let i = 0; i < run.todoCount; i++) {
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

type JobState = { task_status: string; result_url?: string };

/**
 * One calendar job as a user sees it: POST, wait for SUCCESS, download the result. `poll` asks the status endpoint
 * every `pollMs`; `events` reads the job's event stream (GET /todos/ical/{id}/events), as the web UI does.
 */
export async function calendarJob(base: string, wait: JobWait, pollMs: number): Promise<number> {
  const started = performance.now();
  const res = await api(base, "POST", "/api/v1/todos/ical");
  if (res.status !== 202) throw new Error(`POST /api/v1/todos/ical: ${res.status} ${await res.text()}`);
  const { task_url } = (await res.json()) as { task_url: string };
  const statusUrl = onBase(base, task_url);
  const done =
    wait === "events"
      ? await pushedSuccess(statusUrl)
      : await polledSuccess(statusUrl, pollMs, wait === "wait" ? { prefer: preferWait } : {});
  const resultUrl = onBase(base, done.result_url ?? statusUrl.replace(/\/status$/, "/result"));
  const r = await fetch(resultUrl);
  const text = await r.text();
  if (r.status !== 200 || !text.includes("BEGIN:VCALENDAR"))
    throw new Error(`GET ${resultUrl}: ${r.status}, not a calendar`);
  return performance.now() - started;
}

function settled(state: JobState, started: number): state is JobState & { task_status: "SUCCESS" } {
  if (state.task_status === "SUCCESS") return true;
  if (state.task_status === "FAILURE") throw new Error("the calendar job ended in FAILURE");
  if (performance.now() - started > 30_000)
    throw new Error(`the calendar job was still ${state.task_status} after 30 s`);
  return false;
}

async function polledSuccess(
  statusUrl: string,
  pollMs: number,
  headers: Record<string, string>,
): Promise<JobState> {
  const started = performance.now();
  for (;;) {
    const s = await fetch(statusUrl, { headers });
    if (s.status !== 200) throw new Error(`GET ${statusUrl}: ${s.status} ${await s.text()}`);
    const state = (await s.json()) as JobState;
    if (settled(state, started)) return state;
    if (pollMs > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function pushedSuccess(statusUrl: string): Promise<JobState> {
  const started = performance.now();
  const url = statusUrl.replace(/\/status$/, "/events");
  const stream = await openEventStream(url);
  try {
    if (stream.response.status !== 200)
      throw new Error(`GET ${url}: ${stream.response.status} (no job event stream)`);
    for (;;) {
      const event = await stream.nextEvent(30_000);
      if (event === undefined) throw new Error(`GET ${url}: the stream ended before SUCCESS`);
      const state = JSON.parse(event.data) as JobState;
      if (settled(state, started)) return state;
    }
  } finally {
    stream.close();
  }
}

async function measureJobs(run: ApiRun, s: Subject, wait: JobWait): Promise<JobFigures> {
  try {
    // Warm-up (also lets the calendar catch up).
    for (let i = 0; i < 5; i++) await calendarJob(s.url, wait, run.pollMs);
    const perRound: { p50: number; p99: number }[] = [];
    let jobs = 0;
    for (let r = 0; r < run.rounds; r++) {
      const xs: number[] = [];
      for (let i = 0; i < run.jobCount; i++) xs.push(await calendarJob(s.url, wait, run.pollMs));
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

async function measureLoad(run: ApiRun, s: Subject, kind: WorkloadKind): Promise<LoadFigures> {
  const w = { kind, base: s.url, ids: s.ids };
  const { gen, connections, threads } = run;
  if (run.warmup > 0) await runLoad(gen, w, { connections, durationSeconds: run.warmup, threads });
  const rs: LoadResult[] = [];
  for (let r = 0; r < run.rounds; r++)
    rs.push(await runLoad(gen, w, { connections, durationSeconds: run.duration, threads }));
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
export async function measureAll(run: ApiRun, subjects: Subject[]): Promise<Map<string, Measured>> {
  const out = new Map<string, Partial<Measured>>(subjects.map((s) => [s.name, {}]));
  const step = (what: string) => process.stderr.write(`[bench api] ${new Date().toISOString()} ${what}\n`);
  for (const kind of ["get", "ical", "icalWait", "icalEvents", "mix", "post"] as const) {
    for (const s of subjects) {
      step(`${s.name}: ${kind}`);
      const m = out.get(s.name) as Partial<Measured>;
      if (kind === "ical") m.ical = await measureJobs(run, s, "poll");
      else if (kind === "icalWait") m.icalWait = await measureJobs(run, s, "wait");
      else if (kind === "icalEvents") m.icalEvents = await measureJobs(run, s, "events");
      else m[kind] = await measureLoad(run, s, kind);
    }
  }
  return out as Map<string, Measured>;
}
