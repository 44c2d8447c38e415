// GET /api/v1/todos/ical/:id/status with `Prefer: wait=N` (RFC 7240), on real PostgreSQL with the fauxqs emulator:
// held until the job moves on, then answered; and a request about a job not heard of yet, answered from the job's
// first event. The instances here re-read a held job only once a minute, so an
// answer that names a later state came by the change notification (in process, or NOTIFY from another instance).
import { describe, expect, it } from "@jest/globals";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import { waitFor } from "@taskoverflow/test-harness";
import { readyEvent as ready, useJobEvents } from "./job-events.fixture.ts";

const status = (base: string, id: string, prefer?: string) =>
  fetch(`${base}/api/v1/todos/ical/${id}/status`, prefer ? { headers: { prefer } } : {});
const stateOf = async (answer: Response) => ((await answer.json()) as { task_status: string }).task_status;

/** A minute allowed: an answer within the test's timeout came because the job changed. */
const long = { statusWaitMaxMs: 60_000 };

describe("job status held with Prefer: wait", () => {
  const { world, todo, main, instance, publish, statusJson } = useJobEvents({ main: long });
  const { started } = calendarEvents;

  it("answers when the job moves on, with the state it moved to", async () => {
    const waiting = await instance(long);
    const id = todo.issue();
    const held = status(main.url, id, "wait=60");
    // Held on PENDING: its first event did not come within UNHEARD_WAIT_MS, so the todo service was asked.
    await waitFor(() => todo.asked.includes(id) && main.app.watchers() === 1, {
      what: "the request to be held",
    });
    await publish(started(id));
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.headers.get("preference-applied")).toBe("wait=60");
    expect(answer.headers.get("vary")).toMatch(/prefer/i);
    expect(await stateOf(answer)).toBe("STARTED");
    // On an instance that applies nothing itself, the change arrives by NOTIFY; the answer is the final state.
    const onOther = status(waiting.url, id, "respond-async, wait=60");
    await waitFor(() => waiting.app.watchers() === 1, { what: "the request to be held" });
    await publish(ready(id));
    const last = await onOther;
    expect(last.headers.get("preference-applied")).toBe("wait=60");
    expect(await last.json()).toEqual(await statusJson(waiting.url, id));
    expect(await statusJson(waiting.url, id)).toMatchObject({ task_status: "SUCCESS" });
  });

  it("answers a request about a job not heard of yet from its first event, without asking the todo service", async () => {
    // This instance applies nothing itself: the job's first event reaches it by NOTIFY from the main one.
    const patient = await instance({ ...long, unheardWaitMs: 60_000 });
    const id = todo.issue();
    const answer = status(patient.url, id);
    await waitFor(() => patient.app.watchers() === 1, {
      what: "the request to wait for the job's first event",
    });
    await publish(calendarEvents.requested(id));
    expect(await stateOf(await answer)).toBe("PENDING");
    expect(todo.asked).not.toContain(id);
  });

  it("answers a finished job, an unknown one and a request without the preference at once", async () => {
    const waiting = await instance(long);
    const id = todo.issue();
    await publish(ready(id));
    await waitFor(async () => (await statusJson(main.url, id)).task_status === "SUCCESS", {
      what: "SUCCESS",
    });
    expect(await stateOf(await status(waiting.url, id, "wait=60"))).toBe("SUCCESS");
    const unknown = await status(waiting.url, crypto.randomUUID(), "wait=60");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("x-error-code")).toBe("task_not_found");
    expect(await unknown.json()).toEqual({ error: "Task not found" });
    const plain = await status(waiting.url, todo.issue());
    expect(plain.headers.get("preference-applied")).toBeNull();
    expect(await stateOf(plain)).toBe("PENDING");
  });

  it("answers the unchanged state when the wait runs out (STATUS_WAIT_MAX_MS caps what is asked)", async () => {
    const short = await instance({ statusWaitMaxMs: 200 });
    const answer = await status(short.url, todo.issue(), "wait=3600");
    expect(answer.headers.get("preference-applied")).toBe("wait=1");
    expect(await stateOf(answer)).toBe("PENDING");
  });

  it("re-reads a held job on the fallback poll when no notification comes", async () => {
    const polling = await instance({ ...long, events: { heartbeatMs: 60_000, pollMs: 100 } });
    const id = todo.issue();
    await publish(started(id));
    await waitFor(async () => (await statusJson(main.url, id)).task_status === "STARTED", {
      what: "STARTED",
    });
    const held = status(polling.url, id, "wait=60");
    // A writer that sends no NOTIFY (or one lost with a LISTEN connection).
    await world.rows.query("UPDATE jobs SET status = 'FAILURE', error = 'by hand' WHERE id = $1", [id]);
    expect(await stateOf(await held)).toBe("FAILURE");
  });

  it("answers held requests when the service stops, so stopping does not wait for them", async () => {
    const stopping = await instance({ statusWaitMaxMs: 600_000 });
    const id = todo.issue();
    const held = status(stopping.url, id, "wait=600");
    await waitFor(() => stopping.app.watchers() === 1, { what: "the request to be held" });
    await stopping.app.stop();
    const answer = await held;
    // Closed after the answer: a kept-alive connection would hold the server's close for seconds.
    expect(answer.headers.get("connection")).toBe("close");
    expect(await stateOf(answer)).toBe("PENDING");
  });

  it("stops waiting for a client that hung up", async () => {
    const waiting = await instance(long);
    const client = new AbortController();
    const held = fetch(`${waiting.url}/api/v1/todos/ical/${todo.issue()}/status`, {
      headers: { prefer: "wait=60" },
      signal: client.signal,
    }).catch((err: unknown) => err);
    await waitFor(() => waiting.app.watchers() === 1, { what: "the request to be held" });
    client.abort();
    expect(await held).toMatchObject({ name: "AbortError" });
    await waitFor(() => waiting.app.watchers() === 0, { what: "the service to let go of the request" });
  });
});
