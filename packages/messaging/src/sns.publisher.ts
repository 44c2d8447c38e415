import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from "@aws-sdk/client-sns";
import { type EventMessage, eventMessages, GROUP_MAX_EVENTS, publishCalls } from "./event.message.ts";
import { type EventPublisher, PartialPublishError } from "./ports.ts";

export interface SnsPublisherOptions {
  sns: SNSClient;
  topicArn: string;
  /** Gives up on one PublishBatch call after this long, so a hung broker cannot hold the outbox rows. */
  timeoutMs?: number;
  /**
   * At most this many todo events in one message (default `GROUP_MAX_EVENTS`); 1 sends every event alone, as
   * consumers of a release without groups expect (the first step of a rolling deploy, docs/architecture.md §14).
   */
  groupMaxEvents?: number | undefined;
}

/** SNS takes at most 10 entries per PublishBatch. */
export const SNS_BATCH_LIMIT = 10;

/**
 * Publishes events to the topic with PublishBatch, as the messages of event.message.ts: todo events grouped (a
 * JSON array of one type), the rest one event a body (subscriptions use raw delivery); `type` (and the shared
 * `correlationId`) travel as message attributes so subscriptions filter on `type`. Throws `PartialPublishError`
 * when SNS refused some entries, naming the events of the ones it took.
 */
export function createSnsPublisher({
  sns,
  topicArn,
  timeoutMs = 10_000,
  groupMaxEvents = GROUP_MAX_EVENTS,
}: SnsPublisherOptions): EventPublisher {
  if (!Number.isInteger(groupMaxEvents) || groupMaxEvents < 1)
    throw new RangeError(`groupMaxEvents must be a positive integer, got ${groupMaxEvents}`);
  return {
    async publish(events) {
      const calls = publishCalls(eventMessages(events, { maxEvents: groupMaxEvents }), SNS_BATCH_LIMIT);
      // Calls go out concurrently: a standard topic promises no order anyway, and the outbox rows stay
      // locked until every call is settled.
      const results = await Promise.allSettled(
        calls.map((call) =>
          sns.send(
            new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: call.map(toEntry) }),
            {
              abortSignal: AbortSignal.timeout(timeoutMs),
            },
          ),
        ),
      );
      const published: string[] = [];
      const failed: Array<{ id: string; reason: string }> = [];
      let firstError: unknown;
      results.forEach((result, i) => {
        const call = calls[i] ?? [];
        if (result.status === "rejected") {
          firstError ??= result.reason;
          for (const m of call)
            for (const e of m.events) failed.push({ id: e.id, reason: String(result.reason) });
          return;
        }
        for (const ok of result.value.Successful ?? []) {
          for (const e of call[Number(ok.Id)]?.events ?? []) published.push(e.id);
        }
        for (const bad of result.value.Failed ?? []) {
          const reason = `${bad.Code}: ${bad.Message ?? ""}`;
          const refused = call[Number(bad.Id)]?.events ?? [];
          if (refused.length === 0) failed.push({ id: `entry ${bad.Id}`, reason });
          for (const e of refused) failed.push({ id: e.id, reason });
        }
      });
      if (failed.length === 0) return;
      // Nothing went through and the broker was unreachable: surface the transport error itself.
      if (published.length === 0 && firstError !== undefined) throw firstError;
      throw new PartialPublishError(published, failed);
    },
  };
}

function toEntry({ body, attributes }: EventMessage, index: number): PublishBatchRequestEntry {
  return {
    Id: String(index),
    Message: body,
    MessageAttributes: {
      type: { DataType: "String", StringValue: attributes.type },
      ...(attributes.correlationId !== undefined && {
        correlationId: { DataType: "String", StringValue: attributes.correlationId },
      }),
      ...(attributes.eventCount !== undefined && {
        eventCount: { DataType: "Number", StringValue: String(attributes.eventCount) },
      }),
    },
  };
}
