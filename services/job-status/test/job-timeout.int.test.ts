// Jobs that never finish (their message dead-lettered, the calendar service gone) end as FAILURE, never PENDING
// forever, and stay FAILURE when a straggling event arrives. Real PostgreSQL and the fauxqs emulator.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { createEvent, type DomainEvent } from "@taskoverflow/contracts";
import { useServiceWorld } from "@taskoverflow/messaging/testing";
import { startFauxqs, waitFor } from "@taskoverflow/test-harness";
import { issuedJobs, startJobStatus } from "./job-status.fixture.ts";

const ctx = { correlationId: "timeout-test", producer: "calendar" };

describe("job timeouts", () => {
  const world = useServiceWorld(startFauxqs, { name: "jt" });
  /** Issued ids and when they were requested, as the todo service would answer. */
  const todo = issuedJobs();
  let url: string;

  beforeAll(async () => {
    url = (await startJobStatus(world, todo.port, { jobTimeoutSeconds: 1, calendarBucket: "b" })).url;
  });

  const statusOf = async (id: string) => {
    const res = await fetch(`${url}/api/v1/todos/ical/${id}/status`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { task_status: string }).task_status;
  };
  const processed = async (eventId: string) => {
    const { rowCount } = await world.rows.query("SELECT 1 FROM processed_events WHERE event_id = $1", [
      eventId,
    ]);
    return rowCount === 1;
  };
  const publish = async (event: DomainEvent) => {
    await world.publisher.publish([event]);
    await waitFor(() => processed(event.id), { what: `${event.type} processed` });
  };
  const requested = (jobId: string, requestedAt = new Date().toISOString()) =>
    createEvent("CalendarRequested", { jobId, filters: {}, requestedAt }, { ...ctx, producer: "todo" });
  const ready = (jobId: string) =>
    createEvent(
      "CalendarReady",
      { jobId, bucket: "b", key: `calendars/${jobId}.ics`, size: 1, sha256: "0".repeat(64), eventCount: 0 },
      ctx,
    );

  it("fails a job that hears nothing for longer than the timeout, and keeps it failed", async () => {
    const jobId = todo.issue();
    await publish(requested(jobId));
    expect(await statusOf(jobId)).toBe("PENDING");
    await waitFor(async () => (await statusOf(jobId)) === "FAILURE", { what: "the job to time out" });
    await publish(ready(jobId));
    expect(await statusOf(jobId)).toBe("FAILURE");
    const result = await fetch(`${url}/api/v1/todos/ical/${jobId}/result`);
    expect(result.status).toBe(404);
  });

  it("fails an issued job whose request never reached us, and a late request does not revive it", async () => {
    const jobId = todo.issue(crypto.randomUUID(), new Date(Date.now() - 60_000).toISOString());
    expect(await statusOf(jobId)).toBe("FAILURE");
    await publish(requested(jobId, todo.requestedAt(jobId)));
    await publish(ready(jobId));
    expect(await statusOf(jobId)).toBe("FAILURE");
  });

  it("still answers PENDING for a fresh job it has not heard of yet", async () => {
    const jobId = todo.issue();
    expect(await statusOf(jobId)).toBe("PENDING");
  });
});
