import type { DomainEvent } from "@taskoverflow/contracts";
import {
  createBatcher,
  type HandlerOutcome,
  type MessageContext,
  type TopologyPlan,
} from "@taskoverflow/messaging";
import { type RecordedEvent, recordOf } from "./event.domain.ts";
import type { EventRepository, ExplorerKysely } from "./event.repository.ts";

export const CONSUMER = "explorer";

/**
 * Records every event once: the inbox row (processed_events) and the event row commit together, so a
 * redelivered or duplicated message finds the inbox row and changes nothing. The events of one SQS receive are
 * recorded in one statement (a batcher coalesces the consumer's per-message calls made in one turn); each
 * message is still acknowledged on its own. Every type is recorded, the ones no other consumer knows included;
 * `recorded` wakes the live streams after the commit.
 */
export function createEventHandler({
  db,
  events,
  plan,
  summaryBytes,
  clock,
  recorded,
}: {
  db: ExplorerKysely;
  events: Pick<EventRepository, "recordAll">;
  plan: TopologyPlan;
  summaryBytes: number;
  clock: { now(): Date };
  recorded: () => void;
}) {
  const record = createBatcher<{ record: RecordedEvent; recordedAt: Date }, "processed" | "duplicate">({
    run: async (items) => {
      const outcomes = await events.recordAll(db, CONSUMER, items);
      if (outcomes.includes("processed")) recorded();
      return outcomes;
    },
  });
  return async function handle(event: DomainEvent, { log }: MessageContext): Promise<HandlerOutcome> {
    const entry = recordOf(event, plan, summaryBytes);
    const outcome = await record({ record: entry, recordedAt: clock.now() });
    if (outcome === "processed") log.debug({ type: event.type, routedTo: entry.routedTo }, "event recorded");
    else log.debug({ type: event.type }, "event already recorded");
    return "done";
  };
}
