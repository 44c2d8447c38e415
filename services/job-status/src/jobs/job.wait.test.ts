import { describe, expect, it } from "@jest/globals";
import { createLogger } from "@taskoverflow/platform";
import { createJobChanges } from "./job.changes.ts";
import type { JobStatus } from "./job.projection.ts";
import { preferredWaitSeconds, readOrAwaitFirstEvent, readOrWaitForLaterState } from "./job.wait.ts";

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

/** Changes told in process, and a job whose reads answer `rows` in turn. */
const setup = (rows: (JobStatus | undefined)[]) => {
  const changes = createJobChanges({ notifyOthers: async () => {}, onNotifyFailed: () => {} });
  let reads = 0;
  const read = async () => rows[reads++];
  return { changes, read, reads: () => reads };
};
const listening = async (changes: ReturnType<typeof createJobChanges>) => {
  while (changes.watching() === 0) await new Promise((r) => setImmediate(r));
};

describe("readOrAwaitFirstEvent (a job not heard of yet)", () => {
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

  it("answers the status a change made in this instance committed, without reading it back", async () => {
    const { changes, read, reads } = setup([undefined]);
    const answer = readOrAwaitFirstEvent({ jobId: "j", read, changes, waitMs: 60_000 });
    await listening(changes);
    changes.changed(["j"], "PENDING");
    expect(await answer).toBe("PENDING");
    expect([reads(), changes.watching()]).toEqual([1, 0]);
  });

  it("reads once more when the wait ends without a change", async () => {
    const { changes, read, reads } = setup([undefined, undefined]);
    expect(await readOrAwaitFirstEvent({ jobId: "j", read, changes, waitMs: 5 })).toBeUndefined();
    expect([reads(), changes.watching()]).toEqual([2, 0]);
  });
});

describe("readOrWaitForLaterState (Prefer: wait)", () => {
  const log = createLogger({ service: "test", level: "silent" });
  const wait = (o: ReturnType<typeof setup>) =>
    readOrWaitForLaterState({
      jobId: "j",
      read: async () => (await o.read()) ?? "PENDING",
      changes: o.changes,
      waitMs: 60_000,
      pollMs: 60_000,
      signal: new AbortController().signal,
      log,
    });

  it("answers the later status a change in this instance committed, without reading it back", async () => {
    const o = setup(["PENDING"]);
    const answer = wait(o);
    await listening(o.changes);
    o.changes.changed(["j"], "SUCCESS");
    expect(await answer).toBe("SUCCESS");
    expect([o.reads(), o.changes.watching()]).toEqual([1, 0]);
  });

  it("reads the job when the change was heard from the database, or told a status that is not later", async () => {
    const o = setup(["STARTED", "STARTED", "FAILURE"]);
    const answer = wait(o);
    await listening(o.changes);
    o.changes.changed(["j"], "PENDING");
    while (o.reads() < 2) await new Promise((r) => setImmediate(r));
    o.changes.heard("j");
    expect(await answer).toBe("FAILURE");
    expect(o.reads()).toBe(3);
  });
});
