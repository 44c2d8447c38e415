import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import {
  type AwsEndpoint,
  awsEmulators,
  type ManagedProcess,
  startProcess,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import { createSnsPublisher, ensureTopology } from "../src/index.ts";
import {
  capturingLogger,
  createTodo,
  effectCounts,
  fastTopology,
  type PipelineFixture,
  queueCounts,
  startPipelineFixture,
  type TestDb,
} from "./pipeline.ts";

const fixture = join(fileURLToPath(new URL(".", import.meta.url)), "fixtures", "consumer.process.ts");

describe.each(awsEmulators())("consumer processes on $name", ({ name, start }) => {
  let aws: AwsEndpoint;
  let clients: PipelineFixture["clients"];
  let database: TestDatabase;
  let db: TestDb;
  let stopFixture: () => Promise<void>;
  const children: ManagedProcess[] = [];
  const { log } = capturingLogger("crash-int");

  beforeAll(async () => {
    // fauxqs runs inside the jest worker; the child processes reach it over its port like any client.
    ({ aws, clients, database, db, stop: stopFixture } = await startPipelineFixture(start, log));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await c.stop("SIGKILL");
  });
  afterAll(async () => {
    await stopFixture();
  });

  function spawnConsumer(queueUrl: string, consumer: string, mode: string): ManagedProcess {
    const child = startProcess(process.execPath, [fixture], {
      env: {
        ...process.env,
        NODE_OPTIONS: "",
        DB_URL: database.url,
        AWS_ENDPOINT: aws.endpoint,
        QUEUE_URL: queueUrl,
        CONSUMER: consumer,
        MODE: mode,
      },
    });
    children.push(child);
    return child;
  }
  const marker = (p: ManagedProcess, re: RegExp, what: string) =>
    waitFor(
      () => {
        if (p.child.exitCode !== null && !re.test(p.output())) throw new Error(`exited: ${p.output()}`);
        return p.output().match(re) ?? undefined;
      },
      { timeoutMs: 30_000, what: `${what} (${name})` },
    );

  /** A consumer process (`consumer`, in `mode`) on a fresh topology, its handler started on one event. */
  async function handling(consumer: string, mode: string) {
    const t = await ensureTopology(clients, fastTopology(`${uniqueName(consumer)}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    const child = spawnConsumer(t.queues.calendar.url, consumer, mode);
    await marker(child, /READY/, `the ${consumer} consumer ready`);
    const event = await createTodo(db, consumer);
    await publisher.publish([event]);
    await marker(child, new RegExp(`STARTED ${event.id} 1`), `the ${mode} handler to start`);
    return { t, child, event };
  }

  it("redelivers the message of a consumer killed mid-handler; its effect happens once", async () => {
    const { t, child: first, event } = await handling("kill", "block");

    first.child.kill("SIGKILL");
    await waitFor(() => first.child.signalCode === "SIGKILL", { what: "the first consumer to die" });
    // Its transaction died with its connection: no effect yet.
    expect(await effectCounts(db, "kill")).toEqual({ total: 0, distinct: 0 });

    const second = spawnConsumer(t.queues.calendar.url, "kill", "normal");
    const [, receiveCount] = await marker(
      second,
      new RegExp(`PROCESSED ${event.id} processed (\\d+)`),
      "redelivery",
    );
    expect(Number(receiveCount)).toBeGreaterThanOrEqual(2);
    expect(await effectCounts(db, "kill")).toEqual({ total: 1, distinct: 1 });
  });

  it("on SIGTERM finishes the handler in flight, deletes its message and exits", async () => {
    const { t, child: consumer, event } = await handling("term", "slow");

    consumer.child.kill("SIGTERM");
    await waitFor(() => consumer.child.exitCode !== null, { what: "the consumer to exit" });
    expect(consumer.child.exitCode).toBe(0);
    expect(consumer.output()).toMatch(new RegExp(`PROCESSED ${event.id} processed 1\\s+STOPPED`));
    expect(await effectCounts(db, "term")).toEqual({ total: 1, distinct: 1 });
    // Deleted, not merely in flight: nothing is left to come back after the visibility timeout.
    expect(await queueCounts(clients.sqs, t.queues.calendar.url)).toEqual({ visible: 0, inFlight: 0 });
  });
});
