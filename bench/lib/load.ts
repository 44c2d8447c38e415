// HTTP load for the benchmarks: wrk when it is installed (what the figures were measured with: wrk -t2
// -c50), autocannon otherwise. Both are driven with the same workloads and report the same numbers: wrk through a
// Lua `done` hook that prints them as one JSON line, never by reading its text summary.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { runForOutput } from "./run-output.ts";

export type LoadGeneratorName = "wrk" | "autocannon";

export interface LoadGenerator {
  name: LoadGeneratorName;
  /** e.g. "wrk 4.1.0 (-t2 -c50)". */
  describe(connections: number): string;
}

/** "unchanged GET", "9 GET : 1 PUT" (PUTs rotate over `ids`, the list keeps changing), "POST". */
export type WorkloadKind = "get" | "mix" | "post";

export interface Workload {
  kind: WorkloadKind;
  /** Base URL of the API server (paths /api/v1/... are appended to its path). */
  base: string;
  /** Ids of the seeded todos, for the PUTs of the mix. */
  ids: number[];
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  /** wrk threads; autocannon runs in this process. */
  threads: number;
  /** A request slower than this counts as an error (default 10 s). */
  timeoutSeconds?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx/3xx responses. */
  errors: number;
  requests: number;
}

export function wrkVersion(): string | undefined {
  // `wrk -v` prints "wrk 4.1.0 [epoll] ..." and exits with status 1.
  const r = spawnSync("wrk", ["-v"], { encoding: "utf8" });
  if (r.error) return undefined;
  return /wrk (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? "unknown";
}

export function chooseLoadGenerator(preference: "auto" | LoadGeneratorName, threads: number): LoadGenerator {
  const wrk = preference === "autocannon" ? undefined : wrkVersion();
  if (preference === "wrk" && !wrk)
    throw new Error("wrk is not installed (Debian: apt-get install wrk); or pass --load autocannon");
  if (wrk) return { name: "wrk", describe: (c) => `wrk ${wrk} (-t${threads} -c${c})` };
  return { name: "autocannon", describe: (c) => `autocannon 9 in the benchmark process (-c${c})` };
}

const createBody = JSON.stringify({ title: "Benchmark", description: "created by bench/api.ts" });

function apiPath(base: string, path: string): string {
  return `${new URL(base).pathname.replace(/\/$/, "")}${path}`;
}

export async function runLoad(gen: LoadGenerator, w: Workload, o: LoadOptions): Promise<LoadResult> {
  return gen.name === "wrk" ? runWrk(w, o) : runAutocannon(w, o);
}

/** Lua for wrk: the request mix, and a `done` hook that prints the figures as one JSON line. */
function wrkScript(w: Workload): string {
  const url = new URL(w.base);
  const lua = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal here
  return `
local kind = ${lua(w.kind)}
local host = ${lua(url.host)}
local list = ${lua(apiPath(w.base, "/api/v1/todos"))}
local ids = { ${w.ids.join(", ")} }
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = (thread_no or 0) * 7
end

function request()
  counter = counter + 1
  if kind == "post" then
    return wrk.format("POST", list, { ["Host"] = host, ["Content-Type"] = "application/json" }, ${lua(createBody)})
  end
  if kind == "mix" and counter % 10 == 0 then
    local id = ids[(math.floor(counter / 10) % #ids) + 1]
    local body = '{"title":"Todo ' .. id .. ' rev ' .. counter .. '"}'
    return wrk.format("PUT", list .. "/" .. id, { ["Host"] = host, ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", list, { ["Host"] = host })
end

${wrkDone}`;
}

/** The figures as one JSON line at the end of a wrk run (`status` errors are non-2xx/3xx answers). */
const wrkDone = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

async function runWrk(w: Workload, o: LoadOptions): Promise<LoadResult> {
  return runWrkScript(wrkScript(w), [w.base], o);
}

/** Runs wrk with `script` (which ends in `wrkDone`) and `args` after the common options. */
async function runWrkScript(script: string, args: string[], o: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "taskoverflow-wrk-"));
  const file = join(dir, "load.lua");
  writeFileSync(file, script);
  try {
    const common = [`-t${o.threads}`, `-c${o.connections}`, `-d${o.durationSeconds}s`];
    const out = await runForOutput("wrk", [
      ...common,
      "--timeout",
      `${o.timeoutSeconds ?? 10}s`,
      "-s",
      file,
      ...args,
    ]);
    const line = /BENCH_RESULT (\{.*\})/.exec(out)?.[1];
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const r = JSON.parse(line) as {
      requests: number;
      duration_us: number;
      errors: number;
      p50_us: number;
      p99_us: number;
    };
    return {
      requests: r.requests,
      requestsPerSecond: r.requests / (r.duration_us / 1e6),
      p50Ms: r.p50_us / 1000,
      p99Ms: r.p99_us / 1000,
      errors: r.errors,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GET `url` with `headers`, as many times as the connections manage (the feed benchmark). */
export async function runUrlLoad(
  gen: LoadGenerator,
  url: string,
  headers: Record<string, string>,
  o: LoadOptions,
): Promise<LoadResult> {
  if (gen.name === "wrk")
    return runWrkScript(
      wrkDone,
      [...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]), url],
      o,
    );
  return autocannonResult(
    await autocannon({
      url,
      connections: o.connections,
      duration: o.durationSeconds,
      timeout: o.timeoutSeconds ?? 10,
      headers,
    }),
  );
}

function autocannonResult(r: autocannon.Result): LoadResult {
  return {
    requests: r.requests.total,
    requestsPerSecond: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts + (r.non2xx ?? 0),
  };
}

async function runAutocannon(w: Workload, o: LoadOptions): Promise<LoadResult> {
  const list = apiPath(w.base, "/api/v1/todos");
  const json = { "content-type": "application/json" };
  let counter = 0;
  const requests: autocannon.Request[] =
    w.kind === "post"
      ? [{ method: "POST", path: list, headers: json, body: createBody }]
      : w.kind === "get"
        ? [{ method: "GET", path: list }]
        : [
            ...Array.from({ length: 9 }, () => ({ method: "GET" as const, path: list })),
            {
              method: "PUT",
              headers: json,
              setupRequest: (req: autocannon.Request) => {
                counter++;
                const id = w.ids[counter % w.ids.length];
                return {
                  ...req,
                  path: `${list}/${id}`,
                  body: JSON.stringify({ title: `Todo ${id} rev ${counter}` }),
                };
              },
            },
          ];
  return autocannonResult(
    await autocannon({
      url: w.base,
      connections: o.connections,
      duration: o.durationSeconds,
      timeout: o.timeoutSeconds ?? 10,
      requests,
    }),
  );
}
