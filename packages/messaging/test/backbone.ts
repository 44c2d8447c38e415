// The event backbone tests' shared block: an emulator and a database for the describe block (startPipelineFixture),
// relays and consumers that live for one test, a consumer that applies each event through the inbox, and a DLQ
// reader; useTestDb, a database with the pipeline schema for a describe block. (pipeline.ts has no Jest hooks:
// the events benchmark imports it.)
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import type { Logger } from "@taskoverflow/platform";
import { type AwsEndpoint, createTestDatabase, waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { createSqsConsumer, type HandlerOutcome, type MessageContext } from "../src/index.ts";
import {
  applyEffect,
  capturingLogger,
  openTestDb,
  type PipelineFixture,
  startPipelineFixture,
  type TestDb,
} from "./pipeline.ts";

export function useBackbone(start: () => Promise<AwsEndpoint>, service: string) {
  const { log, lines } = capturingLogger(service);
  const stops: Array<() => Promise<void>> = [];
  const fixture = {} as PipelineFixture; // set by beforeAll

  beforeAll(async () => {
    Object.assign(fixture, await startPipelineFixture(start, log));
  });
  // Relays and consumers live for one test: a relay left running would publish the next test's outbox rows.
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    // Events a test published by hand stay unpublished in the outbox; the next test's relay would send them to
    // its fresh topic and count them. Each test starts with an outbox holding nothing to send.
    await sql`DELETE FROM outbox WHERE (sequence IS NULL OR sequence > (SELECT published_through FROM outbox_head))`.execute(
      fixture.db,
    );
  });
  afterAll(async () => {
    await fixture.stop?.();
  });

  /** A consumer on the calendar queue of a fresh topology; returns what the handler saw. */
  async function consume(
    queueUrl: string,
    consumer: string,
    handler?: (event: DomainEvent, ctx: MessageContext) => Promise<HandlerOutcome>,
    extra: Partial<Parameters<typeof createSqsConsumer>[0]> = {},
  ) {
    const seen: Array<{ id: string; result: string; receiveCount: number }> = [];
    const c = createSqsConsumer({
      sqs: fixture.clients.sqs,
      queueUrl,
      log: log.child({ consumer }),
      waitTimeSeconds: 1,
      retryBaseSeconds: 1,
      handler:
        handler ??
        (async (event, ctx) => {
          const result = await applyEffect(fixture.db, consumer, event);
          seen.push({ id: event.id, result, receiveCount: ctx.receiveCount });
          return "done";
        }),
      ...extra,
    });
    await c.start();
    stops.push(() => c.stop());
    return { consumer: c, seen };
  }

  async function dlqMessages(dlqUrl: string, expected: number) {
    const got: Array<{ body: string; reason: string | undefined }> = [];
    await waitFor(
      async () => {
        const r = await fixture.clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ["All"],
          }),
        );
        for (const m of r.Messages ?? []) {
          got.push({ body: m.Body ?? "", reason: m.MessageAttributes?.invalidReason?.StringValue });
        }
        return got.length >= expected;
      },
      { timeoutMs: 30_000, what: `${expected} message(s) in the DLQ` },
    );
    return got;
  }

  return {
    log,
    lines,
    stops,
    consume,
    dlqMessages,
    fixture,
  };
}

/** A test database with the pipeline schema for the describe block (opened before, dropped after). */
export function useTestDb(log: Logger): { db: TestDb; url: string } {
  const opened = {} as { db: TestDb; url: string; close(): Promise<void>; drop(): Promise<void> };
  beforeAll(async () => {
    const database = await createTestDatabase();
    Object.assign(
      opened,
      { url: database.url, drop: () => database.drop() },
      await openTestDb(database.url, log),
    );
  });
  afterAll(async () => {
    await opened.close?.();
    await opened.drop?.();
  });
  return opened;
}
