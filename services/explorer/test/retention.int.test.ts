import { describe, expect, it } from "@jest/globals";
import { todoEvent } from "@taskoverflow/contracts/testing";
import { planTopology } from "@taskoverflow/messaging";
import { createLogger } from "@taskoverflow/platform";
import { waitFor } from "@taskoverflow/test-harness";
import { recordOf } from "../src/events/event.domain.ts";
import { CONSUMER } from "../src/events/event.handler.ts";
import { EventRepository } from "../src/events/event.repository.ts";
import { createRetentionSweep, inboxRetentionMs } from "../src/events/event.retention.ts";
import { useExplorerDb } from "./explorer.fixture.ts";

const log = createLogger({ service: "explorer-test", level: "silent" });
const plan = planTopology();
const HOUR = 3_600_000;

describe("retention", () => {
  const db = useExplorerDb(log);
  const events = new EventRepository();

  const record = (hoursAgo: number, now: number) => {
    const e = todoEvent("TodoCreated");
    const recordedAt = new Date(now - hoursAgo * HOUR);
    return events.recordAll(db.db, "test", [{ record: recordOf(e, plan, 100), recordedAt }]).then(() => e.id);
  };
  const ids = async () =>
    (await db.db.selectFrom("events").select("id").orderBy("seq").execute()).map((r) => r.id);

  it("removes events past the age, then the oldest beyond the count, and inbox rows nothing can redeliver", async () => {
    const now = Date.UTC(2026, 11, 1, 12);
    const old = await record(30, now);
    const kept = [] as string[];
    for (const h of [5, 4, 3, 2, 1]) kept.push(await record(h, now));
    await db.db
      .insertInto("processed_events")
      .values([
        { consumer: CONSUMER, event_id: old, processed_at: new Date(now - inboxRetentionMs - HOUR) },
        { consumer: CONSUMER, event_id: kept[0] as string, processed_at: new Date(now - HOUR) },
      ])
      .execute();
    const sweep = createRetentionSweep({
      db: db.db,
      events,
      clock: { now: () => new Date(now) },
      retention: { maxAgeMs: 24 * HOUR, maxEvents: 3, sweepIntervalMs: 60_000 },
    });
    expect(await sweep.sweepOnce()).toEqual({ events: 3, inbox: 1 });
    expect(await ids()).toEqual(kept.slice(2));
    const inbox = await db.db
      .selectFrom("processed_events")
      .select("event_id")
      .where("consumer", "=", CONSUMER)
      .execute();
    expect(inbox.map((r) => r.event_id)).toEqual([kept[0]]);
    // Nothing more to do: a second sweep removes nothing.
    expect(await sweep.sweepOnce()).toEqual({ events: 0, inbox: 0 });
    // And the timer runs it: with the age now passed for all, a tick empties the table.
    const later = createRetentionSweep({
      db: db.db,
      events,
      clock: { now: () => new Date(now + 48 * HOUR) },
      retention: { maxAgeMs: 24 * HOUR, maxEvents: 3, sweepIntervalMs: 20 },
    });
    const stop = later.start(log);
    try {
      await waitFor(async () => (await ids()).length === 0, { what: "the periodic sweep" });
    } finally {
      stop();
    }
  });
});
