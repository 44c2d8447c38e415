import { describe, expect, it } from "@jest/globals";
import { createEvent, type EventOf } from "@taskoverflow/contracts";
import { createLogger } from "@taskoverflow/platform";
import type { TodoProjector } from "../todos/todo.projector.ts";
import type { ReadYourWritesBarrier } from "./calendar.barrier.ts";
import { createCalendarHandler } from "./calendar.handler.ts";
import { type CalendarJob, PermanentFailure } from "./calendar.job.ts";
import { createJobSlots } from "./calendar.slots.ts";

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
function world({
  finished = false,
  gate = "open" as Awaited<ReturnType<ReadYourWritesBarrier>>,
  slots = createJobSlots(2),
  run = async () => {},
} = {}) {
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
      await run();
      return { key: "k", size: 1, eventCount: 0, buildMs: 0 };
    },
    fail: async () => {
      marks.push("fail");
    },
  } as unknown as CalendarJob;
  const projector = { sequenceOf: (e: { sequence?: number }) => e.sequence } as unknown as TodoProjector;
  const barrier: ReadYourWritesBarrier = async (sequence) => {
    marks.push(`barrier(${sequence})`);
    return step("barrier", gate);
  };
  return { marks, runs, slots, handler: createCalendarHandler({ projector, barrier, job, slots, log }) };
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

  it("waits in process while every job slot is taken, and builds once one is free", async () => {
    let finish = () => {};
    const building = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const w = world({ slots: createJobSlots(1), run: () => building });
    const first = w.handler.handle(request, context);
    await waitUntil(() => w.runs.length === 1);
    const second = { ...request, id: "0b8f3c2f-4f11-4d5a-8a3e-5a3c0a38c9e4" };
    expect(await w.handler.handle(second, context)).toEqual({ retryInMs: 5 });
    // Waited longer: the hand-back doubles with the wait, up to 200 ms.
    expect(await w.handler.handle(second, { ...context, waitedMs: 40 })).toEqual({ retryInMs: 40 });
    expect(await w.handler.handle(second, { ...context, waitedMs: 5_000 })).toEqual({ retryInMs: 200 });
    expect(w.runs).toEqual([request.id]);
    finish();
    expect(await first).toBe("done");
    expect(w.slots.taken).toBe(0);
    expect(await w.handler.handle(second, context)).toBe("done");
    expect(w.runs).toEqual([request.id, second.id]);
  });

  it("gives the slot back when a job fails, for good or to be retried", async () => {
    const failing = world({
      slots: createJobSlots(1),
      run: async () => {
        throw new PermanentFailure("cannot");
      },
    });
    expect(await failing.handler.handle(request, context)).toBe("done");
    expect(failing.marks).toContain("fail");
    expect(failing.slots.taken).toBe(0);
    const transient = world({
      slots: createJobSlots(1),
      run: async () => {
        throw new Error("S3 is down");
      },
    });
    await expect(transient.handler.handle(request, context)).rejects.toThrow("S3 is down");
    expect(transient.slots.taken).toBe(0);
  });
});

async function waitUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setImmediate(r));
}
