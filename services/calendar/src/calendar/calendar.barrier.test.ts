import { describe, expect, it } from "@jest/globals";
import { createLogger } from "@taskoverflow/platform";
import { createReadYourWritesBarrier, type ProjectionProgress } from "./calendar.barrier.ts";

const log = createLogger({ service: "test", level: "silent" });

function projection(watermark: number, initialised = true) {
  const state = { watermark, initialised, seen: [] as number[], resyncs: 0 };
  const port: ProjectionProgress = {
    check: async (s) => {
      state.seen.push(s);
      return {
        watermark: state.watermark,
        initialised: state.initialised,
        caughtUp: state.watermark >= s - 1,
      };
    },
    progress: async () => ({ watermark: state.watermark, initialised: state.initialised }),
    resync: async () => {
      state.resyncs += 1;
      state.initialised = true;
      state.watermark = 100;
      return { watermark: state.watermark, initialised: true };
    },
  };
  return { state, port };
}

const ctx = (receiveCount: number, waitedMs: number) => ({ log, receiveCount, waitedMs });
const options = { catchUpWaitMs: 200, resyncAfterReceives: 3 };

describe("read-your-writes barrier", () => {
  it("opens once every earlier sequence is applied, and records the request's own place", async () => {
    const p = projection(9);
    const check = createReadYourWritesBarrier(p.port, options);
    expect(await check(10, ctx(1, 0), {})).toBe("open");
    expect(p.state.seen).toEqual([10]);
  });

  it("answers a short in-process retry while earlier changes are missing, growing with the wait", async () => {
    const p = projection(7);
    const check = createReadYourWritesBarrier(p.port, options);
    expect(await check(10, ctx(1, 0), {})).toEqual({ retryInMs: 2 });
    expect(await check(10, ctx(1, 30), {})).toEqual({ retryInMs: 30 });
    expect(await check(10, ctx(1, 150), {})).toEqual({ retryInMs: 50 });
    p.state.watermark = 9;
    expect(await check(10, ctx(1, 160), {})).toBe("open");
    expect(p.state.resyncs).toBe(0);
  });

  it("hands the request back to SQS after catchUpWaitMs, then resyncs from the snapshot", async () => {
    const p = projection(7);
    const check = createReadYourWritesBarrier(p.port, options);
    expect(await check(10, ctx(1, 200), {})).toBe("retryLater");
    expect(await check(10, ctx(2, 250), {})).toBe("retryLater");
    expect(p.state.resyncs).toBe(0);
    expect(await check(10, ctx(3, 200), {})).toBe("open");
    expect(p.state.resyncs).toBe(1);
  });

  it("seeds a projection that was never initialised before deciding", async () => {
    const p = projection(0, false);
    const check = createReadYourWritesBarrier(p.port, options);
    expect(await check(50, ctx(1, 0), {})).toBe("open");
    expect(p.state.resyncs).toBe(1);
  });

  it("lets a request without a todo sequence through", async () => {
    const p = projection(0);
    expect(await createReadYourWritesBarrier(p.port, options)(undefined, ctx(1, 0), {})).toBe("open");
    expect(p.state.seen).toEqual([]);
    expect(p.state.resyncs).toBe(0);
  });
});
