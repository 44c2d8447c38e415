// One side of the events benchmark in a process of its own, as deployed: the producer (writers + the outbox
// relay, like the todo service) or the consumer (the SQS consumer and its effect, like the calendar service,
// with a database of its own). Started by bench/events.ts with `fork`; talks to it over IPC.
import {
  createBatcher,
  createOutboxRelay,
  createSnsPublisher,
  createSqsConsumer,
  pgOutboxWakeSource,
} from "../../packages/messaging/src/index.ts";
import { applyEffects, awsClients, createTodo, openTestDb } from "../../packages/messaging/test/pipeline.ts";
import { createLogger } from "../../packages/platform/src/index.ts";

export interface RoleConfig {
  /** PostgreSQL database of this side; PGlite in memory when absent. */
  dbUrl?: string;
  aws: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  topicArn: string;
  queueUrl: string;
  /** The consumer's concurrency (CONSUMER_CONCURRENCY); unused by the producer. */
  concurrency?: number;
}
/** Parent -> producer. */
export type RoleCommand = { cmd: "write"; count: number; writers: number; from: number } | { cmd: "stop" };
/** Child -> parent: [event id, time] pairs, batched. */
export type RoleReport =
  | { type: "ready" }
  | { type: "written"; at: [string, number][] }
  | { type: "effects"; at: [string, number][] }
  | { type: "writes-done" };

/** A clock shared by the processes on one machine (wall clock, sub-millisecond). */
const now = () => performance.timeOrigin + performance.now();
const send = (r: RoleReport) => process.send?.(r);

/** Collects (id, time) pairs and sends them every few milliseconds, so IPC costs little per event. */
function reporter(type: "written" | "effects") {
  let pending: [string, number][] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0) send({ type, at: pending });
    pending = [];
  };
  return {
    add(id: string, t: number) {
      pending.push([id, t]);
      timer ??= setTimeout(flush, 2);
    },
    flush,
  };
}

const role = process.argv[2];
const config = JSON.parse(process.env.BENCH_ROLE_CONFIG ?? "{}") as RoleConfig;
const log = createLogger({ service: `bench-events-${role}`, level: "warn", destination: process.stderr });
const { db, close } = await openTestDb(config.dbUrl, log);
const clients = awsClients(config.aws);

if (role === "producer") {
  const relay = createOutboxRelay({
    db,
    publisher: createSnsPublisher({ sns: clients.sns, topicArn: config.topicArn }),
    log,
    ...(config.dbUrl && { wakeSource: pgOutboxWakeSource({ connectionString: config.dbUrl, log }) }),
  });
  await relay.start();
  const written = reporter("written");
  process.on("message", async (c: RoleCommand) => {
    if (c.cmd === "stop") {
      await relay.stop();
      await close();
      process.exit(0);
    }
    let next = c.from;
    const end = c.from + c.count;
    await Promise.all(
      Array.from({ length: c.writers }, async () => {
        while (next < end) {
          const i = next++;
          // The id is only known inside the transaction, so time from just before it starts.
          const t0 = now();
          const event = await createTodo(db, `bench ${i}`);
          written.add(event.id, t0);
          relay.wake();
        }
      }),
    );
    written.flush();
    send({ type: "writes-done" });
  });
  send({ type: "ready" });
} else if (role === "consumer") {
  const effects = reporter("effects");
  // As the calendar's projector: the messages of one receive are applied in one statement.
  const apply = createBatcher({
    run: (events: Parameters<typeof applyEffects>[2]) => applyEffects(db, "bench", events),
  });
  const consumer = createSqsConsumer({
    sqs: clients.sqs,
    queueUrl: config.queueUrl,
    log,
    concurrency: config.concurrency ?? 20,
    handler: async (event) => {
      if ((await apply(event)) === "processed") effects.add(event.id, now());
      return "done";
    },
  });
  await consumer.start();
  process.on("message", async (c: RoleCommand) => {
    if (c.cmd !== "stop") return;
    await consumer.stop();
    effects.flush();
    await close();
    process.exit(0);
  });
  send({ type: "ready" });
} else {
  throw new Error(`unknown role ${role}`);
}
