import { describe, expect, it } from "@jest/globals";
import { todoEvent } from "@taskoverflow/contracts/testing";
import { planTopology } from "@taskoverflow/messaging";
import { createLogger } from "@taskoverflow/platform";
import { recordOf } from "../src/events/event.domain.ts";
import { EventRepository } from "../src/events/event.repository.ts";
import { useExplorerDb } from "./explorer.fixture.ts";

const log = createLogger({ service: "explorer-test", level: "silent" });
const plan = planTopology();

describe("the live stream's cursor", () => {
  const db = useExplorerDb(log);
  const events = new EventRepository();

  it("sends an event whose transaction commits after a later-numbered one, exactly once", async () => {
    const filter = { correlationId: `stream-${Date.now()}` };
    const [early, late] = [todoEvent("TodoCreated", {}, filter), todoEvent("TodoUpdated", {}, filter)];
    let cursor = await events.streamStart(db.db);

    // `early` takes the lower seq and stays open while `late` takes the next seq and commits.
    let commitEarly: () => void = () => {};
    let inserted: () => void = () => {};
    const earlyInserted = new Promise<void>((r) => {
      inserted = r;
    });
    const earlyTx = db.db.transaction().execute(async (trx) => {
      await events.recordAll(trx, "test", [{ record: recordOf(early, plan, 100), recordedAt: new Date() }]);
      inserted();
      await new Promise<void>((r) => {
        commitEarly = r;
      });
    });
    await earlyInserted;
    await events.recordAll(db.db, "test", [{ record: recordOf(late, plan, 100), recordedAt: new Date() }]);
    const seqs = await db.db
      .selectFrom("events")
      .select(["id", "seq"])
      .where("correlation_id", "=", filter.correlationId)
      .execute();
    expect(seqs).toEqual([{ id: late.id, seq: expect.any(String) }]);

    // While `early` runs, nothing after it is settled: `late` waits instead of overtaking it.
    const first = await events.settled(db.db, filter, cursor, 200);
    expect(first.events).toEqual([]);
    cursor = first.next;

    commitEarly();
    await earlyTx;
    const second = await events.settled(db.db, filter, cursor, 200);
    expect(second.events.map((e) => e.id)).toEqual([early.id, late.id]);
    const third = await events.settled(db.db, filter, second.next, 200);
    expect(third.events).toEqual([]);
  });
});
