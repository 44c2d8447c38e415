import { describe, expect, it } from "@jest/globals";
import { createEvent } from "@taskoverflow/contracts";
import { evolve, type Job, type JobEvent } from "./job.projection.ts";

const jobId = "6f1c1f7e-1b7a-4c39-9a5e-0f6e0f1d2a3b";
let tick = 0;
const ctx = () => ({
  correlationId: "c-1",
  producer: "calendar",
  now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, tick++)),
});
const requested = () =>
  createEvent("CalendarRequested", { jobId, filters: {}, requestedAt: "2024-01-01T00:00:00.000Z" }, ctx());
const started = () => createEvent("CalendarStarted", { jobId }, ctx());
const object = {
  bucket: "b",
  key: `calendars/${jobId}.ics`,
  size: 10,
  sha256: "a".repeat(64),
  eventCount: 1,
};
const ready = () => createEvent("CalendarReady", { jobId, ...object }, ctx());
const failed = (reason = "boom") => createEvent("CalendarFailed", { jobId, reason }, ctx());

const fold = (events: JobEvent[]) => events.reduce<Job | undefined>((s, e) => evolve(s, e), undefined) as Job;

describe("job projection evolve", () => {
  it("goes PENDING -> STARTED -> SUCCESS with the result", () => {
    expect(fold([requested()]).status).toBe("PENDING");
    expect(fold([requested(), started()]).status).toBe("STARTED");
    const done = fold([requested(), started(), ready()]);
    expect(done).toMatchObject({ status: "SUCCESS", result: object, error: null });
    expect(done.requestedAt).toBe("2024-01-01T00:00:00.000Z");
  });

  it("goes to FAILURE with the reason", () => {
    expect(fold([requested(), started(), failed("S3 down")])).toMatchObject({
      status: "FAILURE",
      error: "S3 down",
    });
  });

  it("never moves backwards when events arrive late or twice", () => {
    const r = requested();
    const s = started();
    const d = ready();
    const orders: JobEvent[][] = [
      [r, s, d, s, r],
      [d, s, r],
      [s, d, r, d],
      [r, d, s, s],
    ];
    for (const order of orders) {
      const job = fold(order);
      expect(job.status).toBe("SUCCESS");
      expect(job.result).toEqual(object);
      expect(job.requestedAt).toBe("2024-01-01T00:00:00.000Z");
    }
  });

  it("keeps the first terminal outcome", () => {
    expect(fold([requested(), ready(), failed()]).status).toBe("SUCCESS");
    expect(fold([requested(), failed(), ready()])).toMatchObject({ status: "FAILURE", result: null });
  });

  it("returns the same object for an event that changes nothing", () => {
    const job = fold([requested(), started()]);
    expect(evolve(job, started())).toBe(job);
  });
});
