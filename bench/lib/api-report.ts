// The API benchmark's table (bench/api.ts): one row a workload, a column a subject, the ratio to the peer and the
// issue's floors.
import type { JobFigures, LoadFigures, Measured, Subject } from "./api-workloads.ts";
import type { WorkloadKind } from "./load.ts";

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en") : "n/a");
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : Math.round(n).toString()) : "n/a");
const loadCell = (f: LoadFigures) =>
  `${int(f.requestsPerSecond)}/s (p50 ${ms(f.p50Ms)} / p99 ${ms(f.p99Ms)} ms)${f.errors ? `, ${int(f.errors)} errors` : ""}`;
const jobCell = (f: JobFigures) =>
  f.error ? `failed: ${f.error.slice(0, 120)}` : `p50 ${ms(f.p50Ms)} ms / p99 ${ms(f.p99Ms)} ms`;

type JobRow = "ical" | "icalWait" | "icalEvents";
type Row = WorkloadKind | JobRow;
const isJobRow = (kind: Row): kind is JobRow =>
  kind === "ical" || kind === "icalWait" || kind === "icalEvents";

const rowsOf = (todoCount: number, jobCount: number): { kind: Row; label: string }[] => [
  { kind: "get", label: `GET /api/v1/todos, ${todoCount} todos, unchanged` },
  { kind: "mix", label: "9 GET : 1 PUT (the list keeps changing)" },
  { kind: "post", label: "POST /api/v1/todos" },
  {
    kind: "ical",
    label: `POST /todos/ical -> SUCCESS -> result downloaded, ${jobCount} in sequence, ${todoCount} todos`,
  },
  {
    kind: "icalWait",
    label:
      "the same, status long-polled (`Prefer: wait=5`, RFC 7240; a server that ignores it is polled as above)",
  },
  {
    kind: "icalEvents",
    label: "the same, SUCCESS pushed by the job's event stream (GET .../events, as the web UI waits)",
  },
];

/** The issue's floors (issue 8): only meaningful against the course stack on durable PostgreSQL. */
function floor(kind: Row, ours: Measured, peer: Measured): string {
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
    case "icalWait":
      return `p50 <= course, p99 < 100 ms: ${verdict(ours[kind].p50Ms <= peer[kind].p50Ms && ours[kind].p99Ms < 100)}`;
    case "icalEvents":
      return "none (the floor is on the status rows)";
  }
}

function ratio(kind: Row, ours: Measured, peer: Measured): string {
  if (isJobRow(kind)) {
    const a = ours[kind].p50Ms;
    // A peer without an event stream is compared with its polled figure.
    const own = Number.isFinite(peer[kind].p50Ms);
    const b = own ? peer[kind].p50Ms : peer.ical.p50Ms;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return "n/a";
    const than = own ? "p50" : "p50, against its polled p50";
    return a <= b ? `${(b / a).toFixed(2)}x faster (${than})` : `${(a / b).toFixed(2)}x slower (${than})`;
  }
  const r = ours[kind].requestsPerSecond / peer[kind].requestsPerSecond;
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : "n/a";
}

export function table(
  subjects: Subject[],
  results: Map<string, Measured>,
  mode: "durable" | "fast" | undefined,
  counts: { todoCount: number; jobCount: number },
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
  for (const { kind, label } of rowsOf(counts.todoCount, counts.jobCount)) {
    const cell = (m: Measured) => (isJobRow(kind) ? jobCell(m[kind]) : loadCell(m[kind]));
    if (p)
      lines.push(
        `| ${label} | ${cell(p)} | ${cell(o)} | ${ratio(kind, o, p)} |${showFloors ? ` ${floor(kind, o, p)} |` : ""}`,
      );
    else lines.push(`| ${label} | ${cell(o)} |`);
  }
  return lines.join("\n");
}
