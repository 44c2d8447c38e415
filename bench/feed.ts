import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type Stack, startStack } from "@taskoverflow/devstack";
import {
  type AwsEndpoint,
  createTestDatabase,
  durabilitySettings,
  type PostgresServer,
  postgresBinDir,
  startPostgres,
  type TestDatabase,
  waitFor,
} from "@taskoverflow/test-harness";
import autocannon from "autocannon";
import { startFauxqsProcess } from "./lib/fauxqs-process.ts";
import { wrkVersion } from "./lib/load.ts";
import { runForOutput } from "./lib/run-output.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "100,100000" },
    samples: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    load: { type: "string", default: "auto" },
  },
});
const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
const samples = Number(values.samples);
const duration = Number(values.duration);
const connections = Number(values.connections);
if (
  sizes.some((n) => !Number.isInteger(n) || n < 1) ||
  !(samples > 0) ||
  !(duration > 0) ||
  !(connections > 0)
) {
  process.stderr.write("usage: npm run bench -- feed [--sizes 100,100000] [--samples 50] [--duration 10]\n");
  process.exit(2);
}
const wrk = values.load === "autocannon" ? undefined : wrkVersion();
if (values.load === "wrk" && !wrk) throw new Error("wrk is not installed (apt-get install wrk)");

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? Number.NaN;
};

// node-postgres, as the messaging package (which depends on it) resolves it.
interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}
const pg = createRequire(new URL("../packages/messaging/package.json", import.meta.url))("pg") as {
  Client: new (config: { connectionString: string }) => PgClient;
};

/** Seeds `n` todos with deadlines directly into the todo service's (migrated) table. */
async function seedTodos(url: string, n: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO todos (title, description, deadline_at)
       SELECT 'Todo ' || g || ', with; punctuation', 'Seeded by bench/feed.ts',
              timestamp '2031-01-01 09:00' + g * interval '1 minute'
       FROM generate_series(1, $1::int) AS g`,
      [n],
    );
  } finally {
    await client.end();
  }
}

interface Answer {
  status: number;
  etag: string;
  body: Buffer;
}

async function getFeed(url: string, etag?: string): Promise<Answer> {
  const res = await fetch(url, {
    headers: { "accept-encoding": "gzip", ...(etag && { "if-none-match": etag }) },
  });
  // fetch decompresses gzip itself.
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, etag: res.headers.get("etag") ?? "", body };
}

const countEvents = (body: Buffer) => {
  let n = 0;
  for (let at = body.indexOf("BEGIN:VEVENT"); at !== -1; at = body.indexOf("BEGIN:VEVENT", at + 12)) n++;
  return n;
};

/** Write -> visible: PUT a new title, then poll with If-None-Match until the feed shows it. */
async function freshness(gateway: string, feed: string, ids: number[]): Promise<number[]> {
  const out: number[] = [];
  let { etag } = await getFeed(feed);
  for (let i = 0; i < samples; i++) {
    const id = ids[i % ids.length] as number;
    const title = `Fresh ${i} ${Math.random().toString(36).slice(2, 8)}`;
    const res = await fetch(`${gateway}/api/v1/todos/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title }),
    });
    if (res.status !== 200) throw new Error(`PUT /todos/${id}: ${res.status}`);
    await res.arrayBuffer();
    const written = performance.now();
    for (;;) {
      const a = await getFeed(feed, etag);
      if (a.status === 200) {
        etag = a.etag;
        if (a.body.includes(`SUMMARY:${title}\r\n`)) break;
      } else if (a.status !== 304) throw new Error(`feed answered ${a.status}`);
      if (performance.now() - written > 30_000) throw new Error(`todo ${id} not in the feed after 30 s`);
    }
    out.push(performance.now() - written);
  }
  return out;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, headers: Record<string, string>, conns: number): Promise<Load> {
  if (wrk) {
    const args = [`-t2`, `-c${conns}`, `-d${duration}s`, "--timeout", "30s", "--latency"];
    for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
    args.push(url);
    const text = await runForOutput("wrk", args);
    const ms = (label: string) => {
      const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
      if (!m) return Number.NaN;
      const v = Number(m[1]);
      return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
    };
    const errors =
      Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0) +
      (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/
        .exec(text)
        ?.slice(1)
        .reduce((a, b) => a + Number(b), 0) ?? 0);
    return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]), p50: ms("50"), p99: ms("99"), errors };
  }
  const r = await autocannon({ url, connections: conns, duration, timeout: 30, headers });
  return {
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + (r.non2xx ?? 0),
  };
}

function memoryOf(pid: number | undefined): { rss: number; hwm: number } {
  if (pid === undefined) return { rss: Number.NaN, hwm: Number.NaN };
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
}

const rows: string[] = [];
const startedAt = new Date();
const load0 = loadavg()[0] ?? 0;
for (const size of sizes) {
  let server: PostgresServer | undefined;
  let broker: AwsEndpoint | undefined;
  let stack: Stack | undefined;
  const dbs: TestDatabase[] = [];
  try {
    server = await startPostgres(postgresBinDir() ? "local" : "embedded", { durability: "durable" });
    const newDb = async () => {
      const d = await createTestDatabase(server?.adminUrl);
      dbs.push(d);
      return d.url;
    };
    broker = await startFauxqsProcess();
    const aws = {
      endpoint: broker.endpoint,
      region: broker.region,
      accessKeyId: broker.credentials.accessKeyId,
      secretAccessKey: broker.credentials.secretAccessKey,
    };
    const databaseUrls = { todo: await newDb(), calendar: await newDb(), "job-status": await newDb() };
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
    const seedStarted = performance.now();
    await seedTodos(databaseUrls.todo, size);
    stack = await startStack({ ports: "random", dataDir: "memory", databaseUrls, aws, logLevel: "warn" });
    const gateway = stack.gatewayUrl;
    const feed = `${gateway}/api/v1/todos/calendar.ics`;
    await waitFor(async () => countEvents((await getFeed(feed)).body) === size, {
      timeoutMs: 600_000,
      intervalMs: 500,
      what: `${size} events in the feed`,
    });
    const readyS = (performance.now() - seedStarted) / 1000;
    const first = await getFeed(feed);
    const gzipBytes = Number(
      (await fetch(feed, { method: "HEAD", headers: { "accept-encoding": "gzip" } })).headers.get(
        "content-length",
      ) ?? Number.NaN,
    );
    const ids = Array.from({ length: Math.min(size, 1000) }, (_, i) => i + 1);
    const fresh = await freshness(gateway, feed, ids);
    const { etag } = await getFeed(feed);
    const reads = await load(
      feed,
      { "Accept-Encoding": "gzip" },
      Math.min(connections, size >= 10_000 ? 16 : connections),
    );
    const notModified = await load(feed, { "Accept-Encoding": "gzip", "If-None-Match": etag }, connections);
    const mem = memoryOf(stack.pid("calendar"));
    const mb = (n: number) =>
      n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
    rows.push(
      `| ${size.toLocaleString("en")} | ${mb(first.body.length)} (gzip ${mb(gzipBytes)}) | ${readyS.toFixed(1)} s | ` +
        `${pct(fresh, 50).toFixed(0)} / ${pct(fresh, 99).toFixed(0)} ms (${fresh.length}) | ` +
        `${Math.round(reads.rps).toLocaleString("en")}/s (p99 ${reads.p99.toFixed(0)} ms${reads.errors ? `, ${reads.errors} errors` : ""}) | ` +
        `${Math.round(notModified.rps).toLocaleString("en")}/s (p99 ${notModified.p99.toFixed(1)} ms${notModified.errors ? `, ${notModified.errors} errors` : ""}) | ` +
        `${mem.rss.toFixed(0)} MiB (peak ${mem.hwm.toFixed(0)} MiB) |`,
    );
  } finally {
    await stack?.stop();
    await broker?.stop();
    for (const d of dbs) await d.drop().catch(() => {});
    await server?.stop();
  }
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`;
console.log(`
${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${machine}, load average ${load0.toFixed(2)} at start
- \`npm run bench -- feed --sizes ${values.sizes} --samples ${samples} --duration ${duration} --connections ${connections}\`
- every service its own process (devstack), PostgreSQL local server (durable: ${durabilitySettings("durable").join(", ")}), fauxqs in a process of its own, LOG_LEVEL=warn; load: ${wrk ? `wrk ${wrk} -t2` : "autocannon in the benchmark process"} (reads at 10,000 todos and more with at most 16 connections)
- freshness: PUT → the new title in the feed (polled with If-None-Match); reads: 200 with Accept-Encoding gzip; 304: If-None-Match with the current ETag
- floors (issue 13): freshness p99 < 250 ms; reads >= 3,000/s at 100 todos, >= 50/s at 100,000; 304 >= 5,000/s; calendar memory < 512 MiB at 100,000

| todos | feed (identity) | seeded → in the feed | freshness p50 / p99 | reads (gzip) | 304 | calendar memory |
|---|---|---|---|---|---|---|`);
for (const r of rows) console.log(r);
