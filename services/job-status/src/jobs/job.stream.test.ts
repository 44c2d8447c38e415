import { describe, expect, it, jest } from "@jest/globals";
import { createLogger } from "@taskoverflow/platform";
import { createJobChanges } from "./job.changes.ts";
import type { JobStatus } from "./job.projection.ts";
import { eventFrame, heartbeatFrame, lastSeenState, runJobStream } from "./job.stream.ts";

const log = createLogger({ service: "test", level: "silent" });

/** A stream on a job whose state the test sets, woken through a real change hub. */
function streamOn(first: JobStatus, lastSeen?: JobStatus, timing = { heartbeatMs: 60_000, pollMs: 60_000 }) {
  let state = first;
  let reads = 0;
  const frames: string[] = [];
  let ended = false;
  let onClose = () => {};
  const notified: string[][] = [];
  const changes = createJobChanges({
    notifyOthers: async (ids) => {
      notified.push([...ids]);
    },
    onNotifyFailed: () => {},
  });
  runJobStream({
    jobId: "j",
    first,
    lastSeen,
    read: async () => {
      reads++;
      return state;
    },
    render: (s) => ({ task_status: s }),
    changes,
    ...timing,
    sink: {
      write: (t) => frames.push(t),
      end: () => {
        ended = true;
        onClose();
      },
      onClose: (l) => {
        onClose = l;
      },
    },
    log,
  });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    frames,
    changes,
    notified,
    reads: () => reads,
    ended: () => ended,
    close: () => onClose(),
    /** A change no one is told of: only the poll finds it. */
    setQuietly(next: JobStatus) {
      state = next;
    },
    async set(next: JobStatus) {
      state = next;
      changes.changed(["j"]);
      await settle();
    },
    settle,
  };
}

describe("job event stream", () => {
  it("reads Last-Event-ID as a state name, anything else as nothing", () => {
    expect(lastSeenState("STARTED")).toBe("STARTED");
    expect(lastSeenState(" SUCCESS ")).toBe("SUCCESS");
    expect(lastSeenState("started")).toBeUndefined();
    expect(lastSeenState("3")).toBeUndefined();
    expect(lastSeenState(undefined)).toBeUndefined();
  });

  it("frames an event with the state as id and one line of JSON", () => {
    expect(eventFrame("STARTED", { a: "x\ny" })).toBe('id: STARTED\ndata: {"a":"x\\ny"}\n\n');
    expect(heartbeatFrame).toBe(": ping\n\n");
  });

  it("sends each later state once, in order, and ends after the terminal one", async () => {
    const s = streamOn("PENDING");
    await s.settle();
    await s.set("PENDING");
    await s.set("STARTED");
    await s.set("STARTED");
    expect(s.ended()).toBe(false);
    await s.set("SUCCESS");
    expect(s.frames).toEqual([
      "retry: 2000\n\n",
      eventFrame("PENDING", { task_status: "PENDING" }),
      eventFrame("STARTED", { task_status: "STARTED" }),
      eventFrame("SUCCESS", { task_status: "SUCCESS" }),
    ]);
    expect(s.ended()).toBe(true);
    expect(s.changes.watching()).toBe(0);
    expect(s.notified).toEqual([["j"], ["j"], ["j"], ["j"]]);
  });

  it("sends a status a change in this instance told it without reading the job, and reads one heard from elsewhere", async () => {
    const s = streamOn("PENDING");
    await s.settle();
    const before = s.reads();
    s.changes.changed(["j"], "STARTED");
    expect(s.frames.at(-1)).toBe(eventFrame("STARTED", { task_status: "STARTED" }));
    s.changes.changed(["j"], "PENDING");
    await s.settle();
    expect(s.reads()).toBe(before);
    s.setQuietly("SUCCESS");
    s.changes.heard("j");
    await s.settle();
    expect(s.frames.at(-1)).toBe(eventFrame("SUCCESS", { task_status: "SUCCESS" }));
    expect([s.reads(), s.ended()]).toEqual([before + 1, true]);
  });

  it("starts after Last-Event-ID", async () => {
    const s = streamOn("STARTED", "STARTED");
    await s.settle();
    expect(s.frames).toEqual(["retry: 2000\n\n"]);
    await s.set("FAILURE");
    expect(s.frames.slice(1)).toEqual([eventFrame("FAILURE", { task_status: "FAILURE" })]);
    expect(s.ended()).toBe(true);
  });

  it("beats while idle, re-reads on its poll, and stops both when the client goes", async () => {
    jest.useFakeTimers();
    try {
      const s = streamOn("PENDING", undefined, { heartbeatMs: 100, pollMs: 250 });
      await jest.advanceTimersByTimeAsync(210);
      expect(s.frames.filter((f) => f === heartbeatFrame)).toHaveLength(2);
      s.setQuietly("STARTED");
      expect(s.frames.at(-1)).toBe(heartbeatFrame);
      await jest.advanceTimersByTimeAsync(50);
      expect(s.frames.at(-1)).toBe(eventFrame("STARTED", { task_status: "STARTED" }));
      s.close();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(s.frames.filter((f) => f === heartbeatFrame)).toHaveLength(2);
      expect(s.frames.at(-1)).toBe(eventFrame("STARTED", { task_status: "STARTED" }));
      expect(s.changes.watching()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
