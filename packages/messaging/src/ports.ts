import type { DomainEvent } from "@taskoverflow/contracts";

/** Sends domain events to the broker. Resolves only when every event was accepted. */
export interface EventPublisher {
  publish(events: DomainEvent[]): Promise<void>;
}

/**
 * Thrown by a publisher when the broker took some events of a batch but not all: the caller marks the
 * accepted ones as sent and retries only the rest.
 */
export class PartialPublishError extends Error {
  override readonly name = "PartialPublishError";
  readonly code = "PARTIAL_PUBLISH";
  readonly publishedIds: string[];
  readonly failed: Array<{ id: string; reason: string }>;

  constructor(publishedIds: string[], failed: Array<{ id: string; reason: string }>) {
    super(
      `broker refused ${failed.length} event(s): ${failed.map((f) => `${f.id}: ${f.reason}`).join("; ")}`,
    );
    this.publishedIds = publishedIds;
    this.failed = failed;
  }
}
