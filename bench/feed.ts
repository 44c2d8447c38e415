// npm run bench -- feed [--embedded] [--sizes 100,100000] [--samples 50] [--duration 10] [--connections 50] [--load auto]
//   [--calendar-heap-mib 259]
// The subscribed feed (GET /api/v1/todos/calendar.ics) at each size: write -> visible freshness, reads/s (gzip),
// 304s/s (If-None-Match), the calendar service's memory. Every service its own process (devstack) on a durable
// local PostgreSQL server, fauxqs in a process of its own; with --embedded, the embedded start instead (PGlite per
// service, fauxqs in this process, the todos created through the API: keep its sizes small).
import { startStack } from "@taskoverflow/devstack";
import { durabilitySettings, waitFor } from "@taskoverflow/test-harness";
import { benchArgs } from "./lib/args.ts";
import { countEvents, freshness, getFeed, seedTodos } from "./lib/feed-probes.ts";
import { memoryOf, startBenchInfra } from "./lib/infra.ts";
import { chooseLoadGenerator, type LoadOptions, runUrlLoad } from "./lib/load.ts";
import { seedThroughApi } from "./lib/seed-through-api.ts";
import { machineLine, percentile } from "./lib/stats.ts";

const args = benchArgs("feed", {
  sizes: "100,100000",
  samples: "50",
  duration: "10",
  connections: "50",
  load: "auto",
  embedded: false,
  // The heap V8 gives itself in the calendar's production container, a 512 MiB Fargate task (terraform/aws
  // var.services): Node 24 sizes it from the cgroup limit, `docker run -m 512m node:24-bookworm-slim` reports
  // heap_size_limit 259 MiB. 0: no cap (V8 sizes the heap from this machine's 24 GiB and has no reason to
  // collect what the first load left behind).
  "calendar-heap-mib": "259",
});
const embedded = args.values.embedded;
const sizes = args.values.sizes.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1))
  args.usage(`--sizes must be whole numbers >= 1, got ${args.values.sizes}`);
const samples = args.int("samples");
const duration = args.int("duration");
const connections = args.int("connections");
const calendarHeapMiB = args.int("calendar-heap-mib", 0);
const nodeArgs = calendarHeapMiB > 0 ? { calendar: [`--max-old-space-size=${calendarHeapMiB}`] } : {};
const gen = chooseLoadGenerator(args.choice("load", ["auto", "wrk", "autocannon"] as const), 2);
const loadOptions = (conns: number): LoadOptions => ({
  connections: conns,
  durationSeconds: duration,
  threads: 2,
  timeoutSeconds: 30,
});

const rows: string[] = [];
const startedAt = new Date();
const machine = machineLine();
for (const size of sizes) {
  const infra = await startBenchInfra(
    embedded ? { postgres: false, broker: false } : { postgres: "durable", broker: true },
  );
  try {
    const aws = embedded ? undefined : infra.stackAws();
    const databaseUrls = embedded
      ? {}
      : { todo: await infra.newDb(), calendar: await infra.newDb(), "job-status": await infra.newDb() };
    if (databaseUrls.todo && aws) {
      // The todo service alone first: it creates its tables; the todos then go in without events.
      const todoOnly = await startStack({
        services: ["todo"],
        ports: "random",
        dataDir: "memory",
        databaseUrls: { todo: databaseUrls.todo },
        aws,
        logLevel: "warn",
      });
      await todoOnly.stop();
    }
    const seedStarted = performance.now();
    if (databaseUrls.todo) await seedTodos(databaseUrls.todo, size);
    const stack = infra.own(
      await startStack({
        ports: "random",
        dataDir: "memory",
        databaseUrls,
        ...(aws && { aws }),
        logLevel: "warn",
        nodeArgs,
      }),
    );
    // Embedded, each service's PGlite is inside its own process: the todos go in through the API (with events).
    if (embedded) await seedThroughApi(stack.gatewayUrl, size);
    const gateway = stack.gatewayUrl;
    const feed = `${gateway}/api/v1/todos/calendar.ics`;
    await waitFor(async () => countEvents((await getFeed(feed)).body) === size, {
      timeoutMs: 600_000,
      intervalMs: 500,
      what: `${size} events in the feed`,
    });
    const readyS = (performance.now() - seedStarted) / 1000;
    const first = await getFeed(feed);
    const head = await fetch(feed, { method: "HEAD", headers: { "accept-encoding": "gzip" } });
    const gzipBytes = Number(head.headers.get("content-length") ?? Number.NaN);
    const ids = Array.from({ length: Math.min(size, 1000) }, (_, i) => i + 1);
    const fresh = await freshness(gateway, feed, ids, samples);
    const { etag } = await getFeed(feed);
    const gzip = { "Accept-Encoding": "gzip" };
    const reads = await runUrlLoad(
      gen,
      feed,
      gzip,
      loadOptions(Math.min(connections, size >= 10_000 ? 16 : connections)),
    );
    const notModified = await runUrlLoad(
      gen,
      feed,
      { ...gzip, "If-None-Match": etag },
      loadOptions(connections),
    );
    const mem = memoryOf(stack.pid("calendar"));
    const mb = (n: number) =>
      n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
    const errors = (n: number) => (n ? `, ${n} errors` : "");
    rows.push(
      `| ${size.toLocaleString("en")} | ${mb(first.body.length)} (gzip ${mb(gzipBytes)}) | ${readyS.toFixed(1)} s | ` +
        `${percentile(fresh, 50).toFixed(0)} / ${percentile(fresh, 99).toFixed(0)} ms (${fresh.length}) | ` +
        `${Math.round(reads.requestsPerSecond).toLocaleString("en")}/s (p99 ${reads.p99Ms.toFixed(0)} ms${errors(reads.errors)}) | ` +
        `${Math.round(notModified.requestsPerSecond).toLocaleString("en")}/s (p99 ${notModified.p99Ms.toFixed(1)} ms${errors(notModified.errors)}) | ` +
        `${mem.rss.toFixed(0)} MiB (peak ${mem.hwm.toFixed(0)} MiB) |`,
    );
  } finally {
    await infra.stop();
  }
}

console.log(`
${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${machine} at start
- \`npm run bench -- feed${embedded ? " --embedded" : ""} --sizes ${args.values.sizes} --samples ${samples} --duration ${duration} --connections ${connections} --calendar-heap-mib ${calendarHeapMiB}\`
- calendar service: ${calendarHeapMiB > 0 ? `--max-old-space-size=${calendarHeapMiB} (what Node 24 gives itself in the calendar's 512 MiB task)` : "no heap cap"}
- every service its own process (devstack), ${embedded ? "the embedded start (PGlite per service, fauxqs in the benchmark process; todos created through the API)" : `PostgreSQL local server (durable: ${durabilitySettings("durable").join(", ")}), fauxqs in a process of its own`}, LOG_LEVEL=warn; load: ${gen.describe(connections)} (reads at 10,000 todos and more with at most 16 connections)
- freshness: PUT → the first feed answer with the new title (polled with If-None-Match; timed at its headers, the client's decompression not counted); reads: 200 with Accept-Encoding gzip; 304: If-None-Match with the current ETag
- floors (issue 13): freshness p99 < 250 ms (< 1 s on the embedded start); reads >= 3,000/s at 100 todos, >= 50/s at 100,000; 304 >= 5,000/s; calendar memory < 512 MiB at 100,000

| todos | feed (identity) | seeded → in the feed | freshness p50 / p99 | reads (gzip) | 304 | calendar memory |
|---|---|---|---|---|---|---|`);
for (const r of rows) console.log(r);
