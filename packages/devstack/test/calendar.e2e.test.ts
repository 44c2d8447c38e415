// The calendar export end to end: four services, each its own process on its own real PostgreSQL database (PGlite
// where the harness chose the embedded path), the in-process SNS/SQS/S3 emulator, through the gateway.
import { describe, expect, it } from "@jest/globals";
import { openEventStream, waitFor } from "@taskoverflow/test-harness";
import { gatewayClient, type Status, type Task, type Todo, veventsOf } from "./gateway.client.ts";
import { startTestStack } from "./test-stack.ts";

const system = startTestStack({
  // Short visibility timeouts so a message held by a killed process comes back quickly.
  topology: { prefix: "e2e-", visibilityTimeoutSeconds: 2 },
  env: { gateway: { CIRCUIT_OPEN_MS: "200" } },
  logLevel: "info",
});

const { api, apiFetch, createTodo, requestCalendar, finished, download, rawRequest } = gatewayClient(
  () => system.stack.gatewayUrl,
);

const hard: Array<Record<string, unknown>> = [
  {
    title: "Commas, semicolons; and \\ backslashes",
    description: "a,b;c\\d",
    deadline_at: "2031-01-02T03:04:05",
  },
  { title: "Newlines", description: "line one\nline two\n\nline four", deadline_at: "2031-02-03T10:00:00" },
  {
    title: "Emoji 🎉📅✅ and ünïcödé",
    description: "日本語のテキスト 🚀",
    deadline_at: "2031-03-04T23:59:59",
  },
  {
    title: "T".repeat(80),
    description: "D".repeat(120),
    deadline_at: "2031-04-05T00:00:00",
    completed: true,
  },
  { title: "No deadline at all", description: "must not break the export" },
  { title: "No description", deadline_at: "2031-05-06T07:08:09" },
];

describe("start-up", () => {
  it("starts each service after the ones it calls, with no warning or error logged", () => {
    // The calendar service reads the todo service's snapshot when it starts: todo must be listening first.
    const timeOf = (line: string | undefined) =>
      Date.parse((JSON.parse(line ?? "{}") as { time?: string }).time ?? "");
    const todoUp = system.stack
      .logs("todo")
      .split("\n")
      .find((l) => l.includes("todo service listening"));
    const calendarFirst = system.stack.logs("calendar").split("\n")[0];
    expect(timeOf(calendarFirst)).toBeGreaterThanOrEqual(timeOf(todoUp));
    for (const service of system.stack.services) {
      const loud = system.stack
        .logs(service)
        .split("\n")
        .filter((l) => l.startsWith("{") && (JSON.parse(l) as { level: number }).level >= 40);
      expect({ service, loud }).toEqual({ service, loud: [] });
    }
  });
});

describe("calendar export", () => {
  it("answers 404 for ids it never issued, and 202 with absolute URLs on PUBLIC_URL, never the request's host", async () => {
    const unknown = await api("/todos/ical/00000000-0000-4000-8000-000000000000/status");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: expect.any(String) });
    expect((await api("/todos/ical/not-a-uuid/status")).status).toBe(404);

    // A Host the client chose does not become a link: the services build them on PUBLIC_URL, which the
    // devstack sets to the gateway's address.
    const task = JSON.parse(await rawRequest("POST", "/api/v1/todos/ical", "tasks.example.org")) as Task;
    expect(task.task_url).toBe(`${system.stack.gatewayUrl}/api/v1/todos/ical/${task.task_id}/status`);
    const status = JSON.parse(
      await rawRequest("GET", `/api/v1/todos/ical/${task.task_id}/status`, "tasks.example.org"),
    );
    expect(status).toMatchObject({
      task_id: task.task_id,
      result_url: `${system.stack.gatewayUrl}/api/v1/todos/ical/${task.task_id}/result`,
    });
    const direct = await requestCalendar();
    expect(direct.task_url).toBe(`${system.stack.gatewayUrl}/api/v1/todos/ical/${direct.task_id}/status`);
  });

  it("exports hard content that ical.js parses back field by field (read-your-writes included)", async () => {
    const todos: Todo[] = [];
    for (const body of hard) todos.push(await createTodo(body));
    // Changed right before the request: the calendar must include the change.
    const renamed = await api(`/todos/${todos[5]?.id}`, {
      method: "PUT",
      body: JSON.stringify({ title: "Renamed" }),
    });
    expect(renamed.status).toBe(200);
    const gone = await createTodo({ title: "Deleted before export", deadline_at: "2031-06-07T08:09:10" });
    expect((await api(`/todos/${gone.id}`, { method: "DELETE" })).status).toBe(200);

    const task = await requestCalendar();
    const status = await finished(task);
    expect(status.task_status).toBe("SUCCESS");
    const { text, headers } = await download(status);
    expect(headers.get("content-type")).toMatch(/^text\/calendar/);
    expect(headers.get("content-disposition")).toMatch(/attachment; filename=".+\.ics"/);
    expect(text).toContain("\r\n");
    expect(text.split("\r\n").every((line) => Buffer.byteLength(line, "utf8") <= 75)).toBe(true);
    expect(text).toMatch(/DTSTAMP:/);

    const events = veventsOf(text);
    const withDeadline = ((await (await api("/todos")).json()) as Todo[]).filter(
      (t) => t.deadline_at !== null,
    );
    expect(events).toHaveLength(withDeadline.length);
    for (const todo of withDeadline) {
      const event = events.find((e) => e.uid.startsWith(`todo-${todo.id}@`));
      expect(event).toBeDefined();
      expect(event?.summary).toBe(todo.title);
      expect(event?.description ?? null).toBe(todo.description);
      expect(event?.start.toJSDate().toISOString().slice(0, 19)).toBe(todo.deadline_at);
      expect(event?.start.zone?.tzid).toBe("UTC");
      if (todo.completed) expect(event?.component.getFirstPropertyValue("categories")).toBe("Completed");
    }
    expect(events.some((e) => e.summary === "Renamed")).toBe(true);
    expect(events.some((e) => e.summary === "Deleted before export")).toBe(false);
  });

  it("carries the request's correlation id through every event into every service's logs", async () => {
    const res = await api("/todos/ical", {
      method: "POST",
      headers: { "x-correlation-id": "e2e-calendar-corr-1" },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get("x-correlation-id")).toBe("e2e-calendar-corr-1");
    expect((await finished((await res.json()) as Task)).task_status).toBe("SUCCESS");
    const tagged = '"correlationId":"e2e-calendar-corr-1"';
    for (const service of ["gateway", "todo", "calendar", "job-status"] as const) {
      await waitFor(() => system.stack.logs(service).includes(tagged), {
        what: `${service} logs with the correlation id`,
      });
    }
  });

  it("applies the list filters", async () => {
    const status = await finished(await requestCalendar("?completed=true"));
    expect(status.task_status).toBe("SUCCESS");
    const events = veventsOf((await download(status)).text);
    expect(events.map((e) => e.summary)).toEqual(["T".repeat(80)]);
    expect((await api("/todos/ical?window=-3", { method: "POST" })).status).toBe(400);
  });

  it("pushes the job's states to SUCCESS as Server-Sent Events through the gateway, each the status JSON", async () => {
    await createTodo({ title: "Streamed", deadline_at: "2031-07-08T09:10:11" });
    const task = await requestCalendar();
    const eventsUrl = task.task_url.replace(/\/status$/, "/events");
    expect(eventsUrl).toBe(`${system.stack.gatewayUrl}/api/v1/todos/ical/${task.task_id}/events`);
    const stream = await openEventStream(eventsUrl);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const events = await stream.rest(60_000);
    const states = events.map((e) => e.id);
    // Each state once, in order, ending with SUCCESS (a state the job passed between two looks may be missing).
    expect(states.at(-1)).toBe("SUCCESS");
    expect(["PENDING", "STARTED", "SUCCESS"].filter((s) => states.includes(s))).toEqual(states);
    const resultUrl = `${system.stack.gatewayUrl}/api/v1/todos/ical/${task.task_id}/result`;
    expect(events.map((e) => JSON.parse(e.data))).toEqual(
      states.map((s) => ({ task_id: task.task_id, task_status: s, result_url: resultUrl })),
    );
    const final = (await (await apiFetch(task.task_url)).json()) as Status;
    expect(JSON.parse(events.at(-1)?.data ?? "")).toEqual(final);
    const { text } = await download(final);
    expect(text).toContain("SUMMARY:Streamed");

    // Checked against the OpenAPI document: a reconnect after the end gets the final state again, or a 204
    // when it says it has it; unknown and malformed ids get the status endpoint's JSON 404.
    const resumed = await apiFetch(eventsUrl, { headers: { "last-event-id": "PENDING" } });
    expect(await resumed.text()).toBe(`retry: 2000\n\nid: SUCCESS\ndata: ${JSON.stringify(final)}\n\n`);
    const done = await apiFetch(eventsUrl, { headers: { "last-event-id": "SUCCESS" } });
    expect(done.status).toBe(204);
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const res = await apiFetch(`${system.stack.gatewayUrl}/api/v1/todos/ical/${id}/events`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "Task not found" });
    }
  });

  it("holds a status request with Prefer: wait through the gateway until the job moves on", async () => {
    await createTodo({ title: "Waited for", deadline_at: "2031-07-08T09:10:11" });
    const task = await requestCalendar();
    const seen: string[] = [];
    while (seen.at(-1) !== "SUCCESS") {
      const res = await apiFetch(task.task_url, { headers: { prefer: "wait=5" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("preference-applied")).toBe("wait=5");
      const { task_status } = (await res.json()) as Status;
      // Each answer names a later state than the one before: the request was held, not answered at once.
      expect(["PENDING", "STARTED", "SUCCESS"].indexOf(task_status)).toBeGreaterThan(
        ["PENDING", "STARTED", "SUCCESS"].indexOf(seen.at(-1) ?? ""),
      );
      seen.push(task_status);
    }
    expect(seen.length).toBeLessThanOrEqual(3);
  });

  it("runs 20 concurrent jobs to SUCCESS", async () => {
    const tasks = await Promise.all(Array.from({ length: 20 }, () => requestCalendar()));
    expect(new Set(tasks.map((t) => t.task_id)).size).toBe(20);
    const statuses = await Promise.all(tasks.map((t) => finished(t, 90_000)));
    expect(statuses.map((s) => s.task_status)).toEqual(Array(20).fill("SUCCESS"));
  });

  it("finishes jobs after the calendar process is killed mid-flight, and answers 'not finished' meanwhile", async () => {
    const tasks = await Promise.all(Array.from({ length: 20 }, () => requestCalendar()));
    await waitFor(
      async () => {
        const s = (await (await apiFetch(tasks[0]?.task_url ?? "")).json()) as Status;
        return s.task_status !== "PENDING";
      },
      { timeoutMs: 30_000, intervalMs: 10, what: "the first job to start" },
    );
    // SIGKILL while the burst is being worked off: whatever it held comes back after the visibility timeout.
    // (How many of the 20 were done by then depends on the machine's speed, so that is not asserted; the
    // jobs requested below, while no calendar process runs, are certainly unfinished at the kill.)
    await system.stack.kill("calendar");

    // A job requested while no calendar process runs cannot finish: PENDING, and its result is "not finished".
    const late = await requestCalendar();
    const lateStatus = await apiFetch(late.task_url);
    expect(lateStatus.status).toBe(200);
    const { result_url } = (await lateStatus.json()) as Status;
    const early = await apiFetch(result_url);
    expect(early.status).toBe(404);
    expect(await early.json()).toMatchObject({ error: "Task not finished" });

    await system.stack.restart("calendar");
    const statuses = await Promise.all([...tasks, late].map((t) => finished(t, 90_000)));
    expect(statuses.map((s) => s.task_status)).toEqual(Array(21).fill("SUCCESS"));
  });

  it("shares the queue between two calendar processes", async () => {
    const second = await system.stack.startReplica("calendar");
    try {
      const tasks = await Promise.all(Array.from({ length: 20 }, () => requestCalendar()));
      const statuses = await Promise.all(tasks.map((t) => finished(t, 90_000)));
      expect(statuses.map((s) => s.task_status)).toEqual(Array(20).fill("SUCCESS"));
      // Every job was built by one of the two processes (and each process logs the jobs it built).
      const readyLines = (key: string) =>
        system.stack
          .logs(key)
          .split("\n")
          .filter((l) => l.includes('"calendar ready"'));
      const lines = [...readyLines("calendar"), ...readyLines(second)];
      for (const t of tasks) expect(lines.some((l) => l.includes(t.task_id))).toBe(true);
    } finally {
      await system.stack.kill(second, "SIGTERM");
    }
  });
});
