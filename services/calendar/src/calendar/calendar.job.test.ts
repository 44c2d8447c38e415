import { Readable } from "node:stream";
import { describe, expect, it } from "@jest/globals";
import { CalendarReady, createEvent, type DomainEvent, type TodoState } from "@taskoverflow/contracts";
import { createCalendarJob, type JobEventSink, PermanentFailure } from "./calendar.job.ts";
import type { ObjectStore } from "./object-store.ts";

const todo = (id: number, title: string): TodoState => ({
  id,
  title,
  description: null,
  completed: false,
  deadlineAt: "2024-06-01T09:30:00.000Z",
  createdAt: "2024-01-01T00:00:00.000Z",
  updatedAt: "2024-01-01T00:00:00.000Z",
  version: 1,
});

function memory() {
  const objects = new Map<string, Buffer>();
  const emitted: Array<{ step: string; event: DomainEvent }> = [];
  /** Each emitOnce call's steps (one call: one statement). */
  const calls: string[][] = [];
  const done = new Set<string>();
  const store: ObjectStore = {
    bucket: "b",
    put: async (key, body) => {
      objects.set(key, body);
      return { size: body.length, sha256: "0".repeat(64) };
    },
    get: async (key) => ({ body: Readable.from(objects.get(key) ?? []), size: objects.get(key)?.length }),
  };
  const events: JobEventSink = {
    emitOnce: async (steps, source) => {
      calls.push(steps.map((s) => s.step));
      for (const { step, event } of steps) {
        if (done.has(`${step}:${source}`)) continue;
        done.add(`${step}:${source}`);
        emitted.push({ step, event });
      }
    },
    finished: async (source) => done.has(`finished:${source}`),
  };
  return { objects, emitted, calls, done, store, events };
}

const request = createEvent(
  "CalendarRequested",
  { jobId: "5a3c0a38-3c9e-4f5d-8a3e-0b8f3c2f4f11", filters: {}, requestedAt: "2024-05-20T00:00:00.000Z" },
  { correlationId: "corr-7", producer: "todo" },
);
const clock = { now: () => new Date("2024-05-20T00:00:01Z") };

describe("calendar job", () => {
  it("emits Started, stores the calendar under the job's key and emits Ready with its facts", async () => {
    const m = memory();
    const job = createCalendarJob({
      todos: async () => [todo(1, "One"), todo(2, "Two")],
      store: m.store,
      events: m.events,
      clock,
      calendarHost: "h.test",
    });
    const result = await job.run(request);
    // The key the contracts name (calendarObjectKey), which job-status checks CalendarReady against.
    expect(result).toMatchObject({ key: `calendars/${request.payload.jobId}.ics`, eventCount: 2 });
    expect(m.emitted.map((e) => [e.step, e.event.type])).toEqual([
      ["started", "CalendarStarted"],
      ["finished", "CalendarReady"],
    ]);
    const ready = CalendarReady.parse(m.emitted[1]?.event);
    expect(ready.correlationId).toBe("corr-7");
    expect(ready.payload).toMatchObject({ bucket: "b", key: `calendars/${request.payload.jobId}.ics` });
    expect(m.objects.get(ready.payload.key)?.toString()).toContain("SUMMARY:Two");
    expect(await job.finished(request)).toBe(true);
    // Done before startedAfterMs: Started and Ready in one statement (one relay pass, one delivery).
    expect(m.calls).toEqual([["started", "finished"]]);
  });

  it("fails permanently when the calendar cannot be built, and a failure is emitted once", async () => {
    const m = memory();
    const job = createCalendarJob({
      todos: async () => {
        throw new Error("corrupt projection");
      },
      store: m.store,
      events: m.events,
      clock,
      calendarHost: "h.test",
    });
    await expect(job.run(request)).rejects.toBeInstanceOf(PermanentFailure);
    await job.fail(request, "The calendar could not be built.");
    await job.fail(request, "again");
    // It failed before startedAfterMs: Started goes out with the failure, just before it.
    expect(m.emitted.map((e) => e.event.type)).toEqual(["CalendarStarted", "CalendarFailed"]);
  });

  it("writes Started on its own once the job has run startedAfterMs, and Ready only after it", async () => {
    const m = memory();
    let announced!: () => void;
    const startedWritten = new Promise<void>((r) => {
      announced = r;
    });
    const job = createCalendarJob({
      // The read ends only once Started is out: without the timer this job would never finish.
      todos: async () => {
        await startedWritten;
        return [todo(1, "One")];
      },
      store: m.store,
      events: {
        ...m.events,
        emitOnce: async (steps, source) => {
          await m.events.emitOnce(steps, source);
          if (steps.some((s) => s.step === "started")) announced();
        },
      },
      clock,
      calendarHost: "h.test",
      startedAfterMs: 0,
    });
    await job.run(request);
    expect(m.calls).toEqual([["started"], ["finished"]]);
    expect(m.emitted.map((e) => e.event.type)).toEqual(["CalendarStarted", "CalendarReady"]);
  });

  it("writes only Ready for a redelivered request whose Started is already out", async () => {
    const m = memory();
    m.done.add(`started:${request.id}`);
    const job = createCalendarJob({
      todos: async () => [todo(1, "One")],
      store: m.store,
      events: m.events,
      clock,
      calendarHost: "h.test",
    });
    await job.run(request);
    expect(m.emitted.map((e) => e.event.type)).toEqual(["CalendarReady"]);
  });

  it("lets a failed Started through for the consumer to retry, and writes no outcome", async () => {
    const m = memory();
    let readDone!: () => void;
    const job = createCalendarJob({
      todos: () => new Promise((r) => (readDone = () => r([todo(1, "One")]))),
      store: m.store,
      events: {
        ...m.events,
        emitOnce: async (steps, source) => {
          if (steps.length === 1 && steps[0]?.step === "started") {
            readDone();
            throw new Error("database down");
          }
          await m.events.emitOnce(steps, source);
        },
      },
      clock,
      calendarHost: "h.test",
      startedAfterMs: 0,
    });
    await expect(job.run(request)).rejects.toThrow("database down");
    expect(m.emitted).toEqual([]);
  });

  it("lets storage errors through for the consumer to retry", async () => {
    const m = memory();
    const job = createCalendarJob({
      todos: async () => [],
      store: { ...m.store, put: async () => Promise.reject(new Error("S3 down")) },
      events: m.events,
      clock,
      calendarHost: "h.test",
    });
    await expect(job.run(request)).rejects.toThrow("S3 down");
    expect(await job.finished(request)).toBe(false);
  });
});
