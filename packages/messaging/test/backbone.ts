// The event backbone tests' shared block: an emulator and a database for the describe block (startPipelineFixture),
// relays and consumers that live for one test, a consumer that applies each event through the inbox, and a DLQ
// reader.
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { type AwsEndpoint, waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { createSqsConsumer, type HandlerOutcome, type MessageContext } from "../src/index.ts";
import { applyEffect, capturingLogger, type PipelineFixture, startPipelineFixture } from "./pipeline.ts";

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
    await sql`DELETE FROM outbox WHERE published_at IS NULL`.execute(fixture.db);
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
