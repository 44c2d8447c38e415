import { Readable } from "node:stream";
import { describe, expect, it } from "@jest/globals";
import type { CalendarFiles } from "./calendar-files.ts";
import { finishedCalendars } from "./finished-calendars.ts";
import type { CalendarObject } from "./job.projection.ts";

function store(files: Record<string, string>) {
  const reads: string[] = [];
  const port: CalendarFiles = {
    async open(_bucket, key) {
      reads.push(key);
      const text = files[key];
      if (text === undefined) return undefined;
      return { body: Readable.from([Buffer.from(text)]), size: Buffer.byteLength(text) };
    },
  };
  return { port, reads };
}
const object = (key: string, size: number): CalendarObject => ({
  bucket: "b",
  key,
  size,
  sha256: "0".repeat(64),
  eventCount: 1,
});

describe("finished calendars", () => {
  it("keeps a finished job's file, read on the next turn, and answers it without reading the store again", async () => {
    const s = store({ a: "AAAA" });
    const kept = finishedCalendars(s.port);
    kept.remember("job-a", object("a", 4));
    // The read waits for the next turn: whatever the wake set off in this one goes first.
    expect(s.reads).toEqual([]);
    expect((await kept.get("job-a"))?.body.toString()).toBe("AAAA");
    expect((await kept.get("job-a"))?.body.toString()).toBe("AAAA");
    expect(s.reads).toEqual(["a"]);
    expect(await kept.get("job-b")).toBeUndefined();
  });

  it("keeps nothing for a file that is missing, of another size than the event says, or too large", async () => {
    const s = store({ short: "AB", big: "X".repeat(11) });
    const kept = finishedCalendars(s.port, { maxFileBytes: 10 });
    for (const [job, o] of [
      ["gone", object("gone", 4)],
      ["short", object("short", 4)],
      ["big", object("big", 11)],
    ] as const)
      kept.remember(job, o);
    for (const job of ["gone", "short", "big"]) expect(await kept.get(job)).toBeUndefined();
    expect(s.reads).toEqual(["gone", "short"]);
  });

  it("answers undefined rather than failing when the store fails", async () => {
    const kept = finishedCalendars({ open: () => Promise.reject(new Error("S3 down")) });
    kept.remember("j", object("a", 1));
    expect(await kept.get("j")).toBeUndefined();
  });

  it("forgets a file after ttlMs, and the oldest first beyond maxBytes", async () => {
    let now = 0;
    const s = store({ a: "AAAA", b: "BBBB", c: "CCCC" });
    const kept = finishedCalendars(s.port, { maxBytes: 8, ttlMs: 1000, now: () => now });
    for (const k of ["a", "b", "c"]) kept.remember(`job-${k}`, object(k, 4));
    expect(await kept.get("job-a")).toBeUndefined();
    expect((await kept.get("job-b"))?.body.toString()).toBe("BBBB");
    now = 1000;
    expect(await kept.get("job-c")).toBeUndefined();
  });
});
