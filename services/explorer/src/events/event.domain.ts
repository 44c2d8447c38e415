import type { DomainEvent } from "@taskoverflow/contracts";
import { type QueueKey, routeOf, type TopologyPlan } from "@taskoverflow/messaging";

/** What the explorer keeps of one event: the envelope under its own names, a bounded summary, its route. */
export interface RecordedEvent {
  id: string;
  type: string;
  version: number;
  producer: string;
  /** The producer's outbox position; null when the producer did not set one. */
  sequence: number | null;
  correlationId: string;
  occurredAt: string;
  /** The payload's JSON, cut at `summaryBytes` bytes (on a character boundary). */
  payloadSummary: string;
  /** Size of the whole payload's JSON in bytes. */
  payloadBytes: number;
  payloadTruncated: boolean;
  /** The queues whose subscription filter policy matches the event's type, in topology order. */
  routedTo: QueueKey[];
}

/** The longest prefix of `text` whose UTF-8 encoding fits `maxBytes` (never half a character). */
export function cutUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** The record of an event, computed from the event and the topology plan alone. */
export function recordOf(event: DomainEvent, plan: TopologyPlan, summaryBytes: number): RecordedEvent {
  const payload = JSON.stringify(event.payload);
  const payloadSummary = cutUtf8(payload, summaryBytes);
  return {
    id: event.id,
    type: event.type,
    version: event.version,
    producer: event.producer,
    sequence: event.sequence ?? null,
    correlationId: event.correlationId,
    occurredAt: new Date(event.occurredAt).toISOString(),
    payloadSummary,
    payloadBytes: Buffer.byteLength(payload),
    payloadTruncated: payloadSummary.length < payload.length,
    routedTo: routeOf(plan, event.type),
  };
}
