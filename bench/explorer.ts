// npm run bench -- explorer [--rate 1000] [--seconds 10] [--db postgres|pglite]
// Explorer lag: from the moment an event is published to the SNS topic to the moment the explorer's live stream
// (GET /api/v1/explorer/stream, Server-Sent Events) shows it, at a steady publish rate. The explorer runs as
// deployed, a process of its own (devstack) on its own database, consuming its unfiltered queue; fauxqs runs in
// a process of its own; this process publishes (PublishBatch of 10, paced) and reads the stream.
import {
  type AwsEndpoint,
  clientsFor,
  openEventStream,
  postgresBinDir,
  waitFor,
} from "@taskoverflow/test-harness";
import { todoEvent } from "../packages/contracts/src/testing.ts";
import { startStack } from "../packages/devstack/src/index.ts";
import { createSnsPublisher } from "../packages/messaging/src/index.ts";
import { benchArgs } from "./lib/args.ts";
import { startBenchInfra } from "./lib/infra.ts";
import { benchCommand, machineLine, ms1 } from "./lib/stats.ts";

const args = benchArgs("explorer", { rate: "1000", seconds: "10", db: postgresDefault() });
const rate = args.positive("rate");
const seconds = args.positive("seconds");
const usePostgres = args.choice("db", ["postgres", "pglite"] as const) === "postgres";
const total = Math.round(rate * seconds);

function postgresDefault() {
  return postgresBinDir() ? "postgres" : "pglite";
}

const infra = await startBenchInfra({ postgres: usePostgres && "durable", broker: true });
const db = usePostgres ? await infra.newDb() : undefined;
const stack = infra.own(
  await startStack({
    services: ["explorer"],
    ports: "random",
    dataDir: "memory",
    ...(db && { databaseUrls: { explorer: db } }),
    aws: infra.stackAws(),
    topology: { prefix: "bench-ex-" },
    logLevel: "warn",
  }),
);
const clients = clientsFor(infra.broker as AwsEndpoint); // started: broker: true
const publisher = createSnsPublisher({ sns: clients.sns, topicArn: stack.topology.topicArn });

const published = new Map<string, number>();
const lags: number[] = [];
let seen = 0;
try {
  // The live stream, as the page reads it: each event's arrival time against its publish time.
  const stream = await openEventStream(`${stack.urls.explorer}/api/v1/explorer/stream`);
  const reading = (async () => {
    for (let e = await stream.nextEvent(120_000); e !== undefined; e = await stream.nextEvent(120_000)) {
      const t0 = published.get((JSON.parse(e.data) as { id: string }).id);
      if (t0 !== undefined) {
        lags.push(performance.now() - t0);
        seen += 1;
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
      process.stderr.write(`${stream.response.status} ${stack.logs("explorer").slice(-3000)}\n`);
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
  stream.close();
  await reading;

  process.stdout.write(
    `\n\`${benchCommand("explorer")}\`\n\n` +
      `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${machineLine()}\n` +
      "- lag: from the PublishBatch call to the event's arrival on the explorer's live stream (SSE)\n" +
      "\n| emulator | explorer database | target events/s | achieved events/s | events | p50 ms | p99 ms | max ms |\n" +
      "|---|---|---|---|---|---|---|---|\n" +
      `| fauxqs (own process) | ${usePostgres ? "PostgreSQL (local, durable)" : "PGlite"} | ${rate} | ` +
      `${Math.round((total / publishMs) * 1000)} | ${total} | ${ms1(lags, 50)} | ${ms1(lags, 99)} | ${ms1(lags, 100)} |\n`,
  );
} finally {
  clients.destroy();
  await infra.stop();
}
