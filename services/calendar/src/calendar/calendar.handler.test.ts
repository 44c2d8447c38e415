import { describe, expect, it } from "@jest/globals";
import { createEvent, type EventOf } from "@taskoverflow/contracts";
import { createLogger } from "@taskoverflow/platform";
import type { TodoProjector } from "../todos/todo.projector.ts";
import type { ReadYourWritesBarrier } from "./calendar.barrier.ts";
import { createCalendarHandler } from "./calendar.handler.ts";
import type { CalendarJob } from "./calendar.job.ts";

const log = createLogger({ service: "test", level: "silent" });
const context = { log, receiveCount: 1, waitedMs: 0 };
const request = {
  ...createEvent(
    "CalendarRequested",
    { jobId: "5a3c0a38-3c9e-4f5d-8a3e-0b8f3c2f4f11", filters: {}, requestedAt: "2024-05-20T00:00:00.000Z" },
    { correlationId: "corr-7", producer: "todo" },
  ),
  sequence: 42,
} as EventOf<"CalendarRequested">;

/** A handler over fakes that record when each step begins and ends. */
function world({ finished = false, gate = "open" as Awaited<ReturnType<ReadYourWritesBarrier>> } = {}) {
  const marks: string[] = [];
  const step = async <T>(name: string, value: T): Promise<T> => {
    marks.push(`${name}:start`);
    await new Promise((r) => setImmediate(r));
    marks.push(`${name}:end`);
    return value;
  };
  const runs: string[] = [];
  const job = {
    finished: () => step("finished", finished),
    run: async (event: EventOf<"CalendarRequested">) => {
      runs.push(event.id);
      return { key: "k", size: 1, eventCount: 0, buildMs: 0 };
    },
    fail: async () => {},
  } as unknown as CalendarJob;
  const projector = { sequenceOf: (e: { sequence?: number }) => e.sequence } as unknown as TodoProjector;
  const barrier: ReadYourWritesBarrier = async (sequence) => {
    marks.push(`barrier(${sequence})`);
    return step("barrier", gate);
  };
  return { marks, runs, handler: createCalendarHandler({ projector, barrier, job, log }) };
}

describe("calendar handler: a CalendarRequested", () => {
  it("asks whether the request finished and passes the barrier at once (one round trip, not two)", async () => {
    const w = world();
    expect(await w.handler.handle(request, context)).toBe("done");
    const starts = w.marks.filter((m) => m.endsWith(":start"));
    const firstEnd = w.marks.findIndex((m) => m.endsWith(":end"));
    expect(starts.sort()).toEqual(["barrier:start", "finished:start"]);
    expect(w.marks.indexOf("barrier:start")).toBeLessThan(firstEnd);
    expect(w.marks.indexOf("finished:start")).toBeLessThan(firstEnd);
    expect(w.marks).toContain("barrier(42)");
    expect(w.runs).toEqual([request.id]);
  });

  it("is done without building when the request already finished", async () => {
    const w = world({ finished: true });
    expect(await w.handler.handle(request, context)).toBe("done");
    expect(w.runs).toEqual([]);
  });

  it("answers the barrier's retry and builds nothing while the projection is behind", async () => {
    const w = world({ gate: { retryInMs: 4 } });
    expect(await w.handler.handle(request, context)).toEqual({ retryInMs: 4 });
    expect(w.runs).toEqual([]);
  });
});
