// The calendar service end to end on an emulator and PostgreSQL: a requested calendar holds every todo change
// before it (read-your-writes), and follows updates, deletes, stale events and the filters.
import { createHash } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { createSnsPublisher } from "@taskoverflow/messaging";
import { createLogger } from "@taskoverflow/platform";
import { awsEmulators, waitFor } from "@taskoverflow/test-harness";
import { useCalendarWorld } from "./calendar.fixture.ts";

describe.each(awsEmulators())("calendar service on $name", ({ start }) => {
  const { world, startApp, ready, calendarOf, hasSeen, isInitialised, withTwoTodos, clients, bucket } =
    useCalendarWorld(start);

  it("builds a calendar requested before the todo changes it must include reach it (read-your-writes)", async () => {
    const w = await world();
    const { stream } = w;
    const lines: string[] = [];
    const capture = createLogger({
      service: "calendar-test",
      level: "debug",
      destination: { write: (line: string) => void lines.push(line) },
    });
    const { database } = await startApp(w, {}, { logger: capture });
    await waitFor(() => isInitialised(database), { what: "the projection to be seeded" });
    const a = { id: 101, title: "Alpha, beta; gamma", description: "line1\nline2" };
    const b = { id: 102, title: "Second 🎉", deadlineAt: "2024-07-01T12:00:00.000Z" };
    // The todo changes commit first, but their events are held back until the calendar has the request.
    const created = [
      await stream.change("TodoCreated", a, { publish: false }),
      await stream.change("TodoCreated", b, { publish: false }),
    ];
    const request = await stream.request();
    await waitFor(() => hasSeen(database, request.sequence), { what: "the calendar to see the request" });
    await waitFor(
      () =>
        lines.some((l) => l.includes(request.payload.jobId) && l.includes("waits for earlier todo changes")),
      { what: "the barrier to hold the request back" },
    );
    // Nothing from the calendar yet: it is waiting (the job-status queue does get the request itself).
    expect(w.out.of(request.payload.jobId).filter((e) => e.producer === "calendar")).toEqual([]);
    const publisher = createSnsPublisher({ sns: clients().sns, topicArn: w.topology.topicArn });
    await publisher.publish(
      created.map((todo, i) => ({
        id: crypto.randomUUID(),
        type: "TodoCreated" as const,
        version: 1 as const,
        occurredAt: new Date().toISOString(),
        correlationId: "test",
        producer: "todo",
        sequence: request.sequence - created.length + i,
        payload: { todo },
      })),
    );

    const event = await ready(w, request.payload.jobId);
    expect(w.out.of(request.payload.jobId).map((e) => e.type)).toContain("CalendarStarted");
    const { text, events, contentType } = await calendarOf(event);
    expect(contentType).toContain("text/calendar");
    expect(event.payload).toMatchObject({
      bucket,
      key: `calendars/${request.payload.jobId}.ics`,
      eventCount: 2,
    });
    expect(event.payload.size).toBe(Buffer.byteLength(text, "utf8"));
    expect(event.payload.sha256).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
    expect(events.map((e) => [e.uid, e.summary, e.description])).toEqual([
      ["todo-101@calendar.test", a.title, a.description],
      ["todo-102@calendar.test", b.title, null],
    ]);
    expect(events[1]?.startDate.toJSDate().toISOString()).toBe(b.deadlineAt);
  });

  it("applies updates and deletes, ignores stale ones, and honours the filters", async () => {
    const { w } = await withTwoTodos();
    const { stream } = w;
    await stream.change("TodoUpdated", { id: 101, completed: true, title: "Alpha done" });
    await stream.change("TodoCreated", { id: 103, deadlineAt: null, title: "No deadline" });
    await stream.change("TodoCreated", {
      id: 104,
      title: "Far away",
      deadlineAt: "2099-01-01T00:00:00.000Z",
    });
    await stream.change("TodoDeleted", { id: 102 });
    // A stale copy of todo 101 (version 1), redelivered late: it must not undo the update.
    await stream.replay(101, 1);
    const all = await stream.request();
    const completed = await stream.request({ completed: true });
    const windowed = await stream.request(
      { windowDays: 30 },
      { requestedAt: new Date("2024-05-20T00:00:00Z") },
    );

    const summaries = async (jobId: string) =>
      (await calendarOf(await ready(w, jobId))).events.map((e) => e.summary);
    expect(await summaries(all.payload.jobId)).toEqual(["Alpha done", "Far away"]);
    expect(await summaries(completed.payload.jobId)).toEqual(["Alpha done"]);
    expect(await summaries(windowed.payload.jobId)).toEqual(["Alpha done"]);
  });
});
