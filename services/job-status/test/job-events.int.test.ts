// GET /api/v1/todos/ical/:id/events: what a job's stream says (its states as Server-Sent Events, resuming, the
// status endpoint's errors), on real PostgreSQL with the fauxqs emulator. How a stream is woken (NOTIFY from
// another instance, the fallback poll, heartbeats, PGlite): job-events.wake.int.test.ts.
import { describe, expect, it } from "@jest/globals";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import { waitFor } from "@taskoverflow/test-harness";
import { openJobEvents as events, readyEvent as ready, useJobEvents } from "./job-events.fixture.ts";

describe("job status as Server-Sent Events", () => {
  const { todo, main, publish, statusJson, nextState } = useJobEvents();
  const newJob = () => todo.issue();
  const { requested, started, failed } = calendarEvents;

  it("streams PENDING, STARTED, SUCCESS as they happen, each with the status endpoint's JSON, then ends", async () => {
    const id = newJob();
    const stream = await events(main.url, id);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.response.headers.get("cache-control")).toBe("no-store");
    expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
    // Nothing has been published yet: the first event is there while the job is still waiting.
    expect(await nextState(stream, main.url, id)).toBe("PENDING");
    await publish(requested(id), started(id));
    expect(await nextState(stream, main.url, id)).toBe("STARTED");
    await publish(ready(id));
    expect(await nextState(stream, main.url, id)).toBe("SUCCESS");
    expect(await stream.next()).toBeUndefined();
    await waitFor(() => main.app.openStreams() === 0, { what: "the finished stream to be closed" });
  });

  it("ends after FAILURE too", async () => {
    const id = newJob();
    const stream = await events(main.url, id);
    expect(await nextState(stream, main.url, id)).toBe("PENDING");
    await publish(failed(id));
    expect(await nextState(stream, main.url, id)).toBe("FAILURE");
    expect(await stream.next()).toBeUndefined();
  });

  it("resumes from Last-Event-ID: only later states; a finished job sends its final state and ends", async () => {
    const id = newJob();
    await publish(started(id));
    await waitFor(async () => (await statusJson(main.url, id)).task_status === "STARTED", {
      what: "STARTED",
    });

    const fromPending = await events(main.url, id, { "last-event-id": "PENDING" });
    expect(await nextState(fromPending, main.url, id)).toBe("STARTED");
    fromPending.close();

    const fromStarted = await events(main.url, id, { "last-event-id": "STARTED" });
    expect(await fromStarted.next()).toEqual({ kind: "retry", ms: 2000 });
    await publish(ready(id));
    // STARTED is not sent again: the first event is the next state.
    expect(await nextState(fromStarted, main.url, id)).toBe("SUCCESS");
    expect(await fromStarted.next()).toBeUndefined();

    const late = await events(main.url, id, { "last-event-id": "PENDING" });
    expect((await late.rest()).map((e) => e.id)).toEqual(["SUCCESS"]);
    const fresh = await events(main.url, id);
    expect((await fresh.rest()).map((e) => e.id)).toEqual(["SUCCESS"]);
    // The client has the end already: 204 tells an EventSource to stop reconnecting.
    const done = await fetch(`${main.url}/api/v1/todos/ical/${id}/events`, {
      headers: { "last-event-id": "SUCCESS" },
    });
    expect(done.status).toBe(204);
    expect(await done.text()).toBe("");
  });

  it("answers the status endpoint's JSON errors: 404 for unknown ids and for ids that are not ids, 503 when unsure", async () => {
    for (const id of [crypto.randomUUID(), "not-a-uuid", "1"]) {
      const res = await fetch(`${main.url}/api/v1/todos/ical/${id}/events`, {
        headers: { accept: "text/event-stream" },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.headers.get("x-error-code")).toBe("task_not_found");
      expect(await res.json()).toEqual({ error: "Task not found" });
    }
    // HEAD: the answer's headers, and no stream left open behind them.
    const head = await fetch(`${main.url}/api/v1/todos/ical/${newJob()}/events`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(main.app.openStreams()).toBe(0);
    todo.down = true;
    try {
      const res = await fetch(`${main.url}/api/v1/todos/ical/${crypto.randomUUID()}/events`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: "Task status is temporarily unavailable" });
    } finally {
      todo.down = false;
    }
  });
});
