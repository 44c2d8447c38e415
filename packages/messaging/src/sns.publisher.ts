import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from "@aws-sdk/client-sns";
import type { DomainEvent } from "@taskoverflow/contracts";
import { type EventPublisher, PartialPublishError } from "./ports.ts";

export interface SnsPublisherOptions {
  sns: SNSClient;
  topicArn: string;
  /** Gives up on one PublishBatch call after this long, so a hung broker cannot hold the outbox rows. */
  timeoutMs?: number;
}

/** SNS takes at most 10 entries per PublishBatch. */
export const SNS_BATCH_LIMIT = 10;

/**
 * Publishes events to the topic with PublishBatch. The body is the event JSON (subscriptions use raw
 * delivery); `type` and `correlationId` travel as message attributes so subscriptions filter on `type`.
 * Throws `PartialPublishError` when SNS refused some entries, naming the ones it took.
 */
export function createSnsPublisher({
  sns,
  topicArn,
  timeoutMs = 10_000,
}: SnsPublisherOptions): EventPublisher {
  return {
    async publish(events) {
      const chunks: DomainEvent[][] = [];
      for (let i = 0; i < events.length; i += SNS_BATCH_LIMIT)
        chunks.push(events.slice(i, i + SNS_BATCH_LIMIT));
      // Chunks go out concurrently: a standard topic promises no order anyway, and the outbox rows stay
      // locked until every chunk is settled.
      const results = await Promise.allSettled(
        chunks.map((chunk) =>
          sns.send(
            new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: chunk.map(toEntry) }),
            { abortSignal: AbortSignal.timeout(timeoutMs) },
          ),
        ),
      );
      const published: string[] = [];
      const failed: Array<{ id: string; reason: string }> = [];
      let firstError: unknown;
      results.forEach((result, i) => {
        const chunk = chunks[i] ?? [];
        if (result.status === "rejected") {
          firstError ??= result.reason;
          for (const e of chunk) failed.push({ id: e.id, reason: String(result.reason) });
          return;
        }
        for (const ok of result.value.Successful ?? []) {
          const event = chunk[Number(ok.Id)];
          if (event) published.push(event.id);
        }
        for (const bad of result.value.Failed ?? []) {
          const event = chunk[Number(bad.Id)];
          failed.push({ id: event?.id ?? `entry ${bad.Id}`, reason: `${bad.Code}: ${bad.Message ?? ""}` });
        }
      });
      if (failed.length === 0) return;
      // Nothing went through and the broker was unreachable: surface the transport error itself.
      if (published.length === 0 && firstError !== undefined) throw firstError;
      throw new PartialPublishError(published, failed);
    },
  };
}

function toEntry(event: DomainEvent, index: number): PublishBatchRequestEntry {
  return {
    Id: String(index),
    Message: JSON.stringify(event),
    MessageAttributes: {
      type: { DataType: "String", StringValue: event.type },
      correlationId: { DataType: "String", StringValue: event.correlationId },
    },
  };
}
