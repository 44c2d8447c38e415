import { describe, expect, it } from "@jest/globals";
import { evolve } from "./job.projection.ts";
import { isOverdue, sweepIntervalMs, timedOutJob, timedOutReason } from "./job.timeout.ts";

const id = "6f1c1f7e-1b7a-4c39-9a5e-0f6e0f1d2a3b";
const requestedAt = "2026-01-01T10:00:00.000Z";

describe("job timeouts", () => {
  it("is overdue only once more than the timeout has passed", () => {
    expect(isOverdue(requestedAt, new Date("2026-01-01T10:10:00.000Z"), 600_000)).toBe(false);
    expect(isOverdue(requestedAt, new Date("2026-01-01T10:10:00.001Z"), 600_000)).toBe(true);
  });

  it("records a never-heard job as a terminal FAILURE that says why", () => {
    const job = timedOutJob(id, requestedAt, 600_000);
    expect(job).toEqual({
      id,
      status: "FAILURE",
      requestedAt,
      result: null,
      error: "The calendar job did not finish within 600 s",
      lastEventAt: requestedAt,
    });
    expect(job.error).toBe(timedOutReason(600_000));
    // A straggling event cannot revive it: the projection keeps a terminal job as it is.
    const late = evolve(job, {
      id: "7f1c1f7e-1b7a-4c39-9a5e-0f6e0f1d2a3b",
      type: "CalendarStarted",
      version: 1,
      occurredAt: "2026-01-01T10:11:00.000Z",
      correlationId: "c",
      producer: "calendar",
      payload: { jobId: id },
    });
    expect(late).toBe(job);
  });

  it("sweeps at a quarter of the timeout, never more often than 250 ms nor less than every 30 s", () => {
    expect(sweepIntervalMs(600_000)).toBe(30_000);
    expect(sweepIntervalMs(60_000)).toBe(15_000);
    expect(sweepIntervalMs(100)).toBe(250);
  });
});
