// npm run bench -- events [--events 2000] [--writers 16] [--emulator fauxqs|moto|both] [--db postgres|pglite]
//                         [--durability durable|fast]
// Events per second and p50/p99 latency from a todo write (row + outbox in one transaction) to the consumer's
// effect (a row written through processOnce), through the outbox relay, SNS PublishBatch, the filtered SQS
// subscription and the SQS consumer: the whole event path, on fauxqs in-process and on moto server.
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  type AwsEndpoint,
  createTestDatabase,
  durabilitySettings,
  postgresBinDir,
  startFauxqs,
  startMoto,
  startPostgres,
} from "@taskoverflow/test-harness";
import {
  createBatcher,
  createOutboxRelay,
  createSnsPublisher,
  createSqsConsumer,
  ensureTopology,
  pgOutboxWakeSource,
} from "../packages/messaging/src/index.ts";
import { applyEffects, awsClients, createTodo, openTestDb } from "../packages/messaging/test/pipeline.ts";
import { createLogger } from "../packages/platform/src/index.ts";
import { startFauxqsProcess } from "./lib/fauxqs-process.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "2000" },
    writers: { type: "string", default: "16" },
    emulator: { type: "string", default: "both" },
    db: { type: "string", default: postgresBinDir() ? "postgres" : "pglite" },
    durability: { type: "string", default: "durable" },
    /** fauxqs in its own process (default, as a broker is deployed) or in the benchmark's own. */
    broker: { type: "string", default: "process" },
  },
});
if (values.durability !== "durable" && values.durability !== "fast") {
  process.stderr.write(`bench events: --durability must be durable or fast, got ${values.durability}\n`);
  process.exit(2);
}
const durability = values.durability;
const total = Number(values.events);
const writers = Number(values.writers);
const emulators = values.emulator === "both" ? ["fauxqs", "moto"] : [values.emulator ?? "fauxqs"];
const log = createLogger({ service: "bench-events", level: "warn", destination: process.stderr });

interface Result {
  emulator: string;
  db: string;
  mode: string;
  events: number;
  perSecond: number;
  p50: number;
  p99: number;
}
const results: Result[] = [];

const pg = values.db === "postgres" ? await startPostgres("local", { durability }) : undefined;
try {
  for (const emulator of emulators) {
    const aws: AwsEndpoint =
      emulator === "moto"
        ? await startMoto()
        : values.broker === "in-process"
          ? await startFauxqs()
          : await startFauxqsProcess();
    const testDb = pg ? await createTestDatabase(pg.adminUrl) : undefined;
    const { db, close } = await openTestDb(testDb?.url, log);
    const clients = awsClients(aws);
    try {
      const t = await ensureTopology(clients, { prefix: "bench-" });
      const relay = createOutboxRelay({
        db,
        publisher: createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn }),
        log,
        ...(testDb && { wakeSource: pgOutboxWakeSource({ connectionString: testDb.url, log }) }),
      });
      const started = new Map<string, number>();
      const latencies: number[] = [];
      let onEffect: (() => void) | undefined;
      // As the calendar's projector: the messages of one receive are applied in one statement.
      const applyEffect = createBatcher({
        run: (events: Parameters<typeof applyEffects>[2]) => applyEffects(db, "bench", events),
      });
      const consumer = createSqsConsumer({
        sqs: clients.sqs,
        queueUrl: t.queues.calendar.url,
        log,
        concurrency: 20,
        handler: async (event) => {
          await applyEffect(event);
          const t0 = started.get(event.id);
          if (t0 !== undefined) latencies.push(performance.now() - t0);
          onEffect?.();
          return "done";
        },
      });
      await relay.start();
      await consumer.start();

      const write = async (i: number) => {
        // The id is only known inside the transaction, so time from just before it starts.
        const t0 = performance.now();
        const event = await createTodo(db, `bench ${i}`);
        started.set(event.id, t0);
        relay.wake();
      };
      const waitForEffects = (n: number) =>
        new Promise<void>((resolve) => {
          onEffect = () => latencies.length >= n && resolve();
          onEffect();
        });

      // Warm-up, not measured.
      for (let i = 0; i < 50; i++) await write(i);
      await waitForEffects(50);

      // 1. Latency on a quiet system: one write at a time, each waiting for its effect.
      latencies.length = 0;
      const quiet = Math.min(200, total);
      let t0 = performance.now();
      for (let i = 0; i < quiet; i++) {
        await write(i);
        await waitForEffects(i + 1);
      }
      results.push(summary(emulator, "one at a time", quiet, performance.now() - t0, latencies));

      // 2. Throughput under load: `writers` concurrent writers, `total` events.
      latencies.length = 0;
      t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: writers }, async () => {
          while (next < total) await write(next++);
        }),
      );
      await waitForEffects(total);
      results.push(summary(emulator, `${writers} writers`, total, performance.now() - t0, latencies));

      await consumer.stop();
      await relay.stop();
    } finally {
      clients.sns.destroy();
      clients.sqs.destroy();
      await close();
      await testDb?.drop();
      await aws.stop();
    }
  }
} finally {
  await pg?.stop();
}

function summary(emulator: string, mode: string, events: number, ms: number, latencies: number[]): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return {
    emulator,
    db: pg ? `PostgreSQL (local, ${durability}: ${durabilitySettings(durability).join(", ")})` : "PGlite",
    mode,
    events,
    perSecond: Math.round((events / ms) * 1000),
    p50: at(0.5),
    p99: at(0.99),
  };
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
process.stdout.write(
  `\n\`npm run bench -- events ${process.argv.slice(2).join(" ")}\`\n\n` +
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${cpus().length} cores (nproc), ${cpu}; ` +
    `Node ${process.version}; load average ${loadavg()[0]?.toFixed(2)}\n` +
    "- latency: from the start of the write transaction to the commit of the consumer's effect\n",
);
process.stdout.write(
  "\n| emulator | database | load | events | events/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|\n",
);
for (const r of results) {
  process.stdout.write(
    `| ${r.emulator} | ${r.db} | ${r.mode} | ${r.events} | ${r.perSecond} | ${r.p50} | ${r.p99} |\n`,
  );
}
const floorRow = results.find((r) => r.emulator === "fauxqs" && r.mode === "16 writers");
if (floorRow) {
  const met = floorRow.perSecond >= 1500 && floorRow.p99 < 100;
  process.stdout.write(
    `\nFloor (issue 8), fauxqs with 16 writers: >= 1,500 events/s and p99 < 100 ms: ${met ? "met" : "NOT met"} ` +
      `(${floorRow.perSecond} events/s, p99 ${floorRow.p99} ms)\n`,
  );
}
