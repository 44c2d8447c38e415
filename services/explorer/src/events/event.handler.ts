import type { DomainEvent } from "@taskoverflow/contracts";
import {
  type HandlerOutcome,
  type MessageContext,
  processOnce,
  type TopologyPlan,
} from "@taskoverflow/messaging";
import { recordOf } from "./event.domain.ts";
import type { EventRepository, ExplorerKysely } from "./event.repository.ts";

export const CONSUMER = "explorer";

/**
 * Records every event once: the inbox row (processed_events) and the event row commit together, so a
 * redelivered or duplicated message finds the inbox row and changes nothing. Every type is recorded, the
 * ones no other consumer knows included; `recorded` wakes the live streams after the commit.
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
  events: EventRepository;
  plan: TopologyPlan;
  summaryBytes: number;
  clock: { now(): Date };
  recorded: () => void;
}) {
  return async function handle(event: DomainEvent, { log }: MessageContext): Promise<HandlerOutcome> {
    const record = recordOf(event, plan, summaryBytes);
    const outcome = await processOnce(db, { consumer: CONSUMER, eventId: event.id }, (trx) =>
      events.insert(trx, record, clock.now()),
    );
    if (outcome === "processed") {
      log.debug({ type: event.type, routedTo: record.routedTo }, "event recorded");
      recorded();
    } else log.debug({ type: event.type }, "event already recorded");
    return "done";
  };
}
