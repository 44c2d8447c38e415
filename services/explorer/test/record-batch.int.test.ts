import { describe, expect, it } from "@jest/globals";
import { todoEvent } from "@taskoverflow/contracts/testing";
import { planTopology } from "@taskoverflow/messaging";
import { createLogger } from "@taskoverflow/platform";
import { recordOf } from "../src/events/event.domain.ts";
import { CONSUMER, createEventHandler } from "../src/events/event.handler.ts";
import { EventRepository } from "../src/events/event.repository.ts";
import { useExplorerDb } from "./explorer.fixture.ts";

const log = createLogger({ service: "explorer-test", level: "silent" });
const plan = planTopology();

/** The explorer records a received batch in one statement, each event once, and its stream pages stay whole. */
describe("recording in batches", () => {
  const db = useExplorerDb(log);
  const events = new EventRepository();
  const entry = (event: ReturnType<typeof todoEvent>) => ({
    record: recordOf(event, plan, 100),
    recordedAt: new Date(),
  });
  const stored = async (correlationId: string) =>
    (
      await db.db
        .selectFrom("events")
        .select("id")
        .where("correlation_id", "=", correlationId)
        .orderBy("seq")
        .execute()
    ).map((r) => r.id);

  it("records each event of a batch once: a copy in the batch and a redelivered batch change nothing", async () => {
    const ctx = { correlationId: `batch-${crypto.randomUUID()}` };
    const [a, b] = [todoEvent("TodoCreated", {}, ctx), todoEvent("TodoUpdated", {}, ctx)];
    const batch = [entry(a), entry(b), entry(a)];
    expect(await events.recordAll(db.db, CONSUMER, batch)).toEqual(["processed", "processed", "duplicate"]);
    expect(await events.recordAll(db.db, CONSUMER, batch)).toEqual(["duplicate", "duplicate", "duplicate"]);
    expect(await stored(ctx.correlationId)).toEqual([a.id, b.id]);
  });

  it("writes the events the consumer hands over in one turn in one statement", async () => {
    const ctx = { correlationId: `turn-${crypto.randomUUID()}` };
    const batches: number[] = [];
    let woken = 0;
    const handle = createEventHandler({
      db: db.db,
      events: {
        recordAll: (d, consumer, items) => {
          batches.push(items.length);
          return events.recordAll(d, consumer, items);
        },
      },
      plan,
      summaryBytes: 100,
      clock: { now: () => new Date() },
      recorded: () => {
        woken += 1;
      },
    });
    const sent = Array.from({ length: 5 }, () => todoEvent("TodoCreated", {}, ctx));
    const message = { log, receiveCount: 1, waitedMs: 0 };
    expect(await Promise.all(sent.map((e) => handle(e, message)))).toEqual(Array(5).fill("done"));
    expect(batches).toEqual([5]);
    expect(woken).toBe(1);
    expect(await stored(ctx.correlationId)).toEqual(sent.map((e) => e.id));
  });

  it("completes a stream page that ends inside a transaction, so no event of it is skipped", async () => {
    const filter = { correlationId: `page-${crypto.randomUUID()}` };
    const cursor = await events.streamStart(db.db);
    const sent = Array.from({ length: 3 }, () => todoEvent("TodoUpdated", {}, filter));
    await events.recordAll(db.db, CONSUMER, sent.map(entry));

    const page = await events.settled(db.db, filter, cursor, 2);
    expect(page.events.map((e) => e.id)).toEqual(sent.map((e) => e.id));
    expect((await events.settled(db.db, filter, page.next, 2)).events).toEqual([]);
  });
});
