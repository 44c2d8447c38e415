// npm run bench -- explorer [--rate 1000] [--seconds 10] [--db postgres|pglite]
// Explorer lag: from the moment an event is published to the SNS topic to the moment the explorer's live stream
// (GET /api/v1/explorer/stream, Server-Sent Events) shows it, at a steady publish rate. The explorer runs as
// deployed, a process of its own (devstack) on its own database, consuming its unfiltered queue; fauxqs runs in
// a process of its own; this process publishes (PublishBatch of 10, paced) and reads the stream.
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  clientsFor,
  createTestDatabase,
  postgresBinDir,
  startPostgres,
  waitFor,
} from "@taskoverflow/test-harness";
import { todoEvent } from "../packages/contracts/src/testing.ts";
import { startStack } from "../packages/devstack/src/index.ts";
import { createSnsPublisher } from "../packages/messaging/src/index.ts";
import { startFauxqsProcess } from "./lib/fauxqs-process.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    db: { type: "string", default: postgresBinDir() ? "postgres" : "pglite" },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const total = Math.round(rate * seconds);
if (!(rate > 0 && seconds > 0)) {
  process.stderr.write("bench explorer: --rate and --seconds must be positive numbers\n");
  process.exit(2);
}

const pg = values.db === "postgres" ? await startPostgres("local", { durability: "durable" }) : undefined;
const db = pg ? await createTestDatabase(pg.adminUrl) : undefined;
const aws = await startFauxqsProcess();
const stack = await startStack({
  services: ["explorer"],
  ports: "random",
  dataDir: "memory",
  ...(db && { databaseUrls: { explorer: db.url } }),
  aws: { endpoint: aws.endpoint, region: aws.region, ...aws.credentials },
  topology: { prefix: "bench-ex-" },
  logLevel: "warn",
});
const clients = clientsFor(aws);
const publisher = createSnsPublisher({ sns: clients.sns, topicArn: stack.topology.topicArn });

const published = new Map<string, number>();
const lags: number[] = [];
let seen = 0;
const stop = new AbortController();
try {
  // The live stream, as the page reads it: each event's arrival time against its publish time.
  const res = await fetch(`${stack.urls.explorer}/api/v1/explorer/stream`, { signal: stop.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  const reading = (async () => {
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const now = performance.now();
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const data = message.split("\n").find((l) => l.startsWith("data: "));
        if (!data) continue;
        const id = (JSON.parse(data.slice(6)) as { id: string }).id;
        const t0 = published.get(id);
        if (t0 !== undefined) {
          lags.push(now - t0);
          seen += 1;
        }
      }
    }
  })().catch(() => {});

  const publish = async (n: number) => {
    const events = Array.from({ length: n }, () => todoEvent("TodoUpdated", {}, { correlationId: "bench" }));
    const t0 = performance.now();
    for (const e of events) published.set(e.id, t0);
    await publisher.publish(events); // one PublishBatch of up to 10
  };

  // Warm-up, not measured.
  await publish(10);
  await waitFor(() => seen >= 10, { timeoutMs: 30_000, what: "the warm-up events on the stream" }).catch(
    (err) => {
      process.stderr.write(`${res.status} ${stack.logs("explorer").slice(-3000)}\n`);
      throw err;
    },
  );
  lags.length = 0;
  seen = 0;

  // Paced: a batch of 10 every 10,000 / rate ms, sent without waiting for the previous one.
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let sent = 0; sent < total; sent += 10) {
    const due = started + (sent / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(publish(Math.min(10, total - sent)));
  }
  await Promise.all(inFlight);
  const publishMs = performance.now() - started;
  await waitFor(() => seen >= total, {
    timeoutMs: 120_000,
    intervalMs: 50,
    what: "every event on the stream",
  });
  stop.abort();
  await reading;

  const sorted = [...lags].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  process.stdout.write(
    `\n\`npm run bench -- explorer ${process.argv.slice(2).join(" ")}\`\n\n` +
      `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${cpus().length} cores (nproc), ${cpu}; ` +
      `Node ${process.version}; load average ${loadavg()[0]?.toFixed(2)}\n` +
      "- lag: from the PublishBatch call to the event's arrival on the explorer's live stream (SSE)\n" +
      "\n| emulator | explorer database | target events/s | achieved events/s | events | p50 ms | p99 ms | max ms |\n" +
      "|---|---|---|---|---|---|---|---|\n" +
      `| fauxqs (own process) | ${pg ? "PostgreSQL (local, durable)" : "PGlite"} | ${rate} | ` +
      `${Math.round((total / publishMs) * 1000)} | ${total} | ${at(0.5)} | ${at(0.99)} | ${at(1)} |\n`,
  );
} finally {
  stop.abort();
  clients.destroy();
  await stack.stop();
  await aws.stop();
  await db?.drop();
  await pg?.stop();
}
