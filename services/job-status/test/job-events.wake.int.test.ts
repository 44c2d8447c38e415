// GET /api/v1/todos/ical/:id/events: what wakes a job's stream, on real PostgreSQL (and PGlite) with the fauxqs
// emulator. The streams here poll only once a minute, so what reaches them in seconds came by the change
// notification (in process, or NOTIFY from another instance); the fallback poll has its own test.
import { describe, expect, it } from "@jest/globals";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import { waitFor } from "@taskoverflow/test-harness";
import {
  openJobEvents as events,
  pushedWithin,
  readyEvent as ready,
  useJobEvents,
} from "./job-events.fixture.ts";

describe("job status streams woken across instances", () => {
  const { world, todo, main, instance, publish, statusJson, nextState } = useJobEvents();
  const newJob = () => todo.issue();
  const { started } = calendarEvents;

  it("sends a heartbeat comment while nothing happens, and closes the stream when the client goes", async () => {
    const beating = await instance({ events: { heartbeatMs: 50, pollMs: 60_000 } });
    const id = newJob();
    const stream = await events(beating.url, id);
    expect((await stream.nextEvent())?.id).toBe("PENDING");
    expect(await stream.next()).toEqual({ kind: "comment", text: "ping" });
    expect(await stream.next()).toEqual({ kind: "comment", text: "ping" });
    expect(beating.app.openStreams()).toBe(1);
    stream.close();
    await waitFor(() => beating.app.openStreams() === 0, { what: "the server to drop the stream" });
  });

  it("pushes what another instance applied: the stream on A hears B's commits through NOTIFY", async () => {
    // A reads nothing from the queue; the main instance (B) applies every event. A polls once a minute.
    const a = await instance({});
    const id = newJob();
    const stream = await events(a.url, id);
    expect(await nextState(stream, a.url, id)).toBe("PENDING");
    await publish(started(id));
    expect(await nextState(stream, a.url, id)).toBe("STARTED");
    await publish(ready(id));
    expect(await nextState(stream, a.url, id)).toBe("SUCCESS");
    expect(await stream.next()).toBeUndefined();
  });

  it("falls back to polling when a change comes with no notification", async () => {
    const polling = await instance({ events: { heartbeatMs: 60_000, pollMs: 100 } });
    const id = newJob();
    await publish(started(id));
    await waitFor(async () => (await statusJson(main.url, id)).task_status === "STARTED", {
      what: "STARTED",
    });
    const stream = await events(polling.url, id);
    expect(await nextState(stream, polling.url, id)).toBe("STARTED");
    // A writer that sends no NOTIFY (or one lost with a LISTEN connection).
    await world.rows.query("UPDATE jobs SET status = 'FAILURE', error = 'by hand' WHERE id = $1", [id]);
    expect(await nextState(stream, polling.url, id)).toBe("FAILURE");
    expect(await stream.next()).toBeUndefined();
  });
});

describe("job status as Server-Sent Events on PGlite (npm start)", () => {
  // No DATABASE_URL: PGlite in memory, as `npm start` runs it (there in DATA_DIR).
  const { world, todo, main, publish } = useJobEvents({ database: false });

  it("streams to SUCCESS, woken by its own commits", async () => {
    expect(world.backing.databaseUrl).toBeUndefined();
    const id = todo.issue();
    const stream = await events(main.url, id);
    expect((await stream.nextEvent())?.id).toBe("PENDING");
    await publish(calendarEvents.started(id));
    expect((await stream.nextEvent(pushedWithin))?.id).toBe("STARTED");
    await publish(ready(id));
    const last = await stream.nextEvent(pushedWithin);
    expect(last?.id).toBe("SUCCESS");
    expect(JSON.parse(last?.data ?? "")).toMatchObject({ task_id: id, task_status: "SUCCESS" });
    expect(await stream.next()).toBeUndefined();
  });
});
