import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { createEvent, type DomainEvent } from "@taskoverflow/contracts";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import { useServiceWorld } from "@taskoverflow/messaging/testing";
import { DEFAULT_PUBLIC_ORIGIN } from "@taskoverflow/platform";
import { awsEmulators, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { issuedJobs, startJobStatus } from "./job-status.fixture.ts";

const ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nEND:VCALENDAR\r\n";

describe.each(awsEmulators())("job-status service on $name", ({ start }) => {
  const world = useServiceWorld(start, { name: "js", visibilityTimeoutSeconds: 2 });
  const todo = issuedJobs();
  const bucket = uniqueName("calendars");
  let url: string;

  beforeAll(async () => {
    await world.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    url = (await startJobStatus(world, todo.port, { calendarBucket: bucket })).url;
  });

  const newJob = () => todo.issue();
  const status = (id: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/v1/todos/ical/${id}/status`, { headers });
  const statusOf = async (id: string) =>
    ((await (await status(id)).json()) as { task_status: string }).task_status;
  const publish = (...events: DomainEvent[]) => world.publisher.publish(events);
  const { requested, started, failed } = calendarEvents;
  const ready = async (jobId: string) => {
    const key = `calendars/${jobId}.ics`;
    await world.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: ICS, ContentType: "text/calendar" }),
    );
    return calendarEvents.ready(jobId, { bucket, key, size: Buffer.byteLength(ICS) });
  };
  /** A standard queue delivers in any order: wait until the service has taken each of these events. */
  const taken = (...events: DomainEvent[]) => {
    const ids = [...new Set(events.map((e) => e.id))];
    return waitFor(
      async () => {
        const { rows } = await world.rows.query(
          "SELECT event_id FROM processed_events WHERE consumer = 'job-status' AND event_id = ANY($1::uuid[])",
          [ids],
        );
        return rows.length === ids.length;
      },
      { timeoutMs: 20_000, what: `events ${ids.join(", ")} taken` },
    );
  };
  const becomes = (id: string, expected: string) =>
    waitFor(async () => (await statusOf(id)) === expected, { timeoutMs: 20_000, what: `${id} ${expected}` });

  it("answers 404 for ids that were never issued, and for ids that are not ids", async () => {
    for (const id of [crypto.randomUUID(), "not-a-uuid", "1", "%00"]) {
      const res = await status(id);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: "Task not found" });
    }
  });

  it("answers PENDING for an issued id before any event reached it, with absolute URLs", async () => {
    const id = newJob();
    const res = await status(id, { "x-forwarded-host": "localhost:6400", "x-forwarded-proto": "https" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({
      task_id: id,
      task_status: "PENDING",
      result_url: `https://localhost:6400/api/v1/todos/ical/${id}/result`,
    });
    const direct = (await (await status(id)).json()) as { result_url: string };
    expect(direct.result_url).toBe(`${url}/api/v1/todos/ical/${id}/result`);
    // Without PUBLIC_URL a host a client chose never becomes a link.
    const foreign = await status(id, { "x-forwarded-host": "evil.example" });
    expect(((await foreign.json()) as { result_url: string }).result_url).toBe(
      `${DEFAULT_PUBLIC_ORIGIN}/api/v1/todos/ical/${id}/result`,
    );
  });

  it("never answers 404 for an issued id when the todo service cannot be asked", async () => {
    todo.down = true;
    try {
      const res = await status(crypto.randomUUID());
      expect(res.status).toBe(503);
    } finally {
      todo.down = false;
    }
  });

  it("follows PENDING -> STARTED -> SUCCESS and then streams the calendar", async () => {
    const id = newJob();
    await publish(requested(id));
    await becomes(id, "PENDING");
    const early = await fetch(`${url}/api/v1/todos/ical/${id}/result`);
    expect(early.status).toBe(404);
    expect(await early.json()).toMatchObject({ error: "Task not finished" });
    await publish(started(id));
    await becomes(id, "STARTED");
    expect((await fetch(`${url}/api/v1/todos/ical/${id}/result`)).status).toBe(404);
    await publish(await ready(id));
    await becomes(id, "SUCCESS");

    const res = await fetch(`${url}/api/v1/todos/ical/${id}/result`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="taskoverflow-${id}.ics"`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe(ICS);
  });

  it("answers a JSON 410 when a finished job's calendar is gone (expired), never a 500", async () => {
    const id = newJob();
    const event = await ready(id);
    await world.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: event.payload.key }));
    await publish(event);
    await becomes(id, "SUCCESS");
    const res = await fetch(`${url}/api/v1/todos/ical/${id}/result`);
    expect(res.status).toBe(410);
    expect(res.headers.get("x-error-code")).toBe("calendar_expired");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: "Calendar expired" });
  });

  it("serves the calendar of a job it just saw finish from memory (no S3 read: the object may be gone)", async () => {
    const id = newJob();
    const event = await ready(id);
    await publish(event);
    await becomes(id, "SUCCESS");
    // Read while the event was applied; a miss now would answer 410 (the test above).
    await world.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: event.payload.key }));
    const res = await fetch(`${url}/api/v1/todos/ical/${id}/result`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="taskoverflow-${id}.ics"`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(ICS)));
    expect(await res.text()).toBe(ICS);
  });

  it("drops a CalendarReady naming another bucket or another job's key, and events from unknown producers", async () => {
    const ctx = { correlationId: "test", producer: "calendar" };
    const victim = newJob();
    const other = newJob();
    const otherReady = await ready(other);
    const wrongKey = createEvent("CalendarReady", { ...otherReady.payload, jobId: victim }, ctx);
    const wrongBucket = createEvent(
      "CalendarReady",
      { ...(await ready(victim)).payload, bucket: `${bucket}-other` },
      ctx,
    );
    const strangerStarted = createEvent(
      "CalendarStarted",
      { jobId: victim },
      { ...ctx, producer: "mallory" },
    );
    const strangerRequested = createEvent(
      "CalendarRequested",
      { jobId: victim, filters: {}, requestedAt: new Date().toISOString() },
      { ...ctx, producer: "calendar" },
    );
    await publish(wrongKey, wrongBucket, strangerStarted, strangerRequested);
    const marker = newJob();
    await publish(started(marker));
    await becomes(marker, "STARTED");
    // Nothing of the four was applied: the job is still unknown to the projection (PENDING from the todo side).
    expect(await statusOf(victim)).toBe("PENDING");
    expect((await fetch(`${url}/api/v1/todos/ical/${victim}/result`)).status).toBe(404);
    await publish(started(victim), await ready(victim));
    await becomes(victim, "SUCCESS");
    expect(await (await fetch(`${url}/api/v1/todos/ical/${victim}/result`)).text()).toBe(ICS);
  });

  it("never moves backwards when events arrive late, twice or out of order", async () => {
    const id = newJob();
    const r = requested(id);
    const s = started(id);
    const d = await ready(id);
    await publish(d);
    await becomes(id, "SUCCESS");
    await publish(s, r, d, s);
    await taken(s, r, d);
    expect(await statusOf(id)).toBe("SUCCESS");
    expect((await fetch(`${url}/api/v1/todos/ical/${id}/result`)).status).toBe(200);
  });

  it("ends as FAILURE, whose result is 404", async () => {
    const id = newJob();
    await publish(requested(id), started(id), failed(id));
    await becomes(id, "FAILURE");
    const late = await ready(id);
    await publish(late);
    await taken(late);
    const res = await fetch(`${url}/api/v1/todos/ical/${id}/result`);
    expect(res.status).toBe(404);
    expect(await statusOf(id)).toBe("FAILURE");
  });
});
