import { describe, expect, it } from "@jest/globals";
import { createJobChanges } from "./job.changes.ts";
import { preferredWaitSeconds, readOrAwaitFirstEvent } from "./job.wait.ts";

describe("preferredWaitSeconds (the Prefer header's wait, RFC 7240)", () => {
  it.each([
    ["wait=5", 5],
    ["WAIT=0", 0],
    ["respond-async, wait=10", 10],
    ['wait="7"', 7],
    ["wait = 3 ; foo=bar", 3],
    ["return=minimal,wait=2", 2],
  ])("%s -> %s seconds", (header, seconds) => {
    expect(preferredWaitSeconds(header)).toBe(seconds);
  });

  it.each([
    [undefined],
    [""],
    ["respond-async"],
    ["wait"],
    ["wait=-1"],
    ["wait=1.5"],
    ["wait=soon"],
    ["waited=5"],
  ])("%s asks for no wait", (header) => {
    expect(preferredWaitSeconds(header)).toBeUndefined();
  });
});

describe("readOrAwaitFirstEvent (a job not heard of yet)", () => {
  const setup = (rows: (string | undefined)[]) => {
    const changes = createJobChanges({ notifyOthers: async () => {}, onNotifyFailed: () => {} });
    let reads = 0;
    const read = async () => rows[reads++];
    return { changes, read, reads: () => reads };
  };

  it("answers a job it has at once, without listening", async () => {
    const { changes, read, reads } = setup(["PENDING"]);
    expect(await readOrAwaitFirstEvent({ jobId: "j", read, changes, waitMs: 60_000 })).toBe("PENDING");
    expect([reads(), changes.watching()]).toEqual([1, 0]);
  });

  it("reads again when the job changes, long before the wait ends", async () => {
    const { changes, read, reads } = setup([undefined, "PENDING"]);
    const answer = readOrAwaitFirstEvent({ jobId: "j", read, changes, waitMs: 60_000 });
    while (changes.watching() === 0) await new Promise((r) => setImmediate(r));
    changes.changed(["other"]);
    expect(reads()).toBe(1);
    changes.changed(["j"]);
    expect(await answer).toBe("PENDING");
    expect([reads(), changes.watching()]).toEqual([2, 0]);
  });

  it("reads once more when the wait ends without a change", async () => {
    const { changes, read, reads } = setup([undefined, undefined]);
    expect(await readOrAwaitFirstEvent({ jobId: "j", read, changes, waitMs: 5 })).toBeUndefined();
    expect([reads(), changes.watching()]).toEqual([2, 0]);
  });
});
