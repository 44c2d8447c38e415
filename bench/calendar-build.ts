// npm run bench -- calendar [--sizes 1000,10000,100000] [--runs 3]
// Build time and peak memory of the calendar builder (todos -> RFC 5545 text with ical-generator), each size
// in a fresh child process so peak RSS belongs to that size alone. Target: 100,000 todos in under 5 s and
// 512 MiB. The input looks like real data: titles up to 80 characters with commas, semicolons and some
// non-ASCII, descriptions up to 120, 90% with a deadline, a third completed.
import { execFileSync } from "node:child_process";
import { buildCalendar, type CalendarTodo } from "../services/calendar/src/calendar/calendar.builder.ts";
import { benchArgs } from "./lib/args.ts";

// --child N is how the benchmark runs one size in a process of its own.
const { values } = benchArgs("calendar-build", { sizes: "1000,10000,100000", runs: "3", child: undefined });

interface Result {
  todos: number;
  events: number;
  bytes: number;
  buildMs: number[];
  peakRssMiB: number;
}

function todos(n: number): CalendarTodo[] {
  const base = Date.UTC(2025, 0, 1);
  return Array.from({ length: n }, (_, i) => {
    const id = i + 1;
    const title = `Todo ${id}: review, plan; ship — ünïcödé ✓ ${"x".repeat(id % 40)}`.slice(0, 80);
    return {
      id,
      title,
      description:
        id % 2 === 0
          ? `Details for ${id}; with commas, a \\ backslash and\na second line`.slice(0, 120)
          : null,
      completed: id % 3 === 0,
      deadlineAt: id % 10 === 0 ? null : new Date(base + id * 3_600_000).toISOString(),
      createdAt: new Date(base - 86_400_000).toISOString(),
      updatedAt: new Date(base).toISOString(),
      version: 1 + (id % 4),
    };
  });
}

if (values.child !== undefined) {
  const n = Number(values.child);
  const runs = Number(values.runs);
  const input = todos(n);
  const buildMs: number[] = [];
  let events = 0;
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    const built = buildCalendar(input, { host: "taskoverflow.local", stamp: new Date() });
    buildMs.push(performance.now() - started);
    events = built.eventCount;
    bytes = built.body.length;
  }
  const result: Result = {
    todos: n,
    events,
    bytes,
    buildMs,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result));
} else {
  const sizes = values.sizes.split(",").map(Number);
  const rows: string[] = [];
  for (const n of sizes) {
    const out = execFileSync(
      process.execPath,
      [import.meta.filename, "--child", String(n), "--runs", values.runs],
      {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      },
    );
    const r = JSON.parse(out) as Result;
    const sorted = [...r.buildMs].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const worst = sorted.at(-1) ?? 0;
    const ok = n < 100_000 || (worst < 5_000 && r.peakRssMiB < 512);
    rows.push(
      `| ${n.toLocaleString("en")} | ${r.events.toLocaleString("en")} | ${(r.bytes / 2 ** 20).toFixed(1)} MiB | ` +
        `${median.toFixed(0)} ms | ${worst.toFixed(0)} ms | ${r.peakRssMiB.toFixed(0)} MiB | ${ok ? "yes" : "NO"} |`,
    );
  }
  console.log(
    `Calendar build (${values.runs} runs per size, each size in its own process; node ${process.version})\n`,
  );
  console.log("| todos | VEVENTs | .ics size | build (median) | build (worst) | peak RSS | within target |");
  console.log("|---:|---:|---:|---:|---:|---:|:---:|");
  for (const row of rows) console.log(row);
}
