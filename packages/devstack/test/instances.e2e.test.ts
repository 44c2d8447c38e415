// Several instances against one database: two todo service processes writing concurrently (their outbox rows
// numbered by whichever relay holds the sequencer lock) and two calendar processes sharing the queue. Each
// client changes its own todo through one instance and exports through the other at once: its calendar must
// hold its own change (read-your-writes across instances), whatever process wrote or built what.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { waitFor } from "@taskoverflow/test-harness";
import ICAL from "ical.js";
import { startTestStack } from "./test-stack.ts";

const system = startTestStack({
  topology: { prefix: "e2e-instances-", visibilityTimeoutSeconds: 2 },
  logLevel: "info",
});
let todoUrls: [string, string];
const replicas: string[] = [];

/** The URL a replica logged when it started listening. */
function listeningUrl(key: string): string {
  for (const line of system.stack.logs(key).split("\n")) {
    if (!line.includes("listening")) continue;
    const url = (JSON.parse(line) as { url?: string }).url;
    if (url) return url;
  }
  throw new Error(`${key} logged no listening URL`);
}

// A second todo instance and a second calendar process (stack.stop() stops them before their service).
beforeAll(async () => {
  const secondTodo = await system.stack.startReplica("todo");
  replicas.push(secondTodo, await system.stack.startReplica("calendar"));
  todoUrls = [system.stack.urls.todo, listeningUrl(secondTodo)];
}, 180_000);

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("two todo instances and two calendar processes", () => {
  it("gives every client a calendar holding its own latest change", async () => {
    const clients = Array.from({ length: 12 }, (_, i) => i);
    const results = await Promise.all(
      clients.map(async (i) => {
        const [a, b] = i % 2 === 0 ? todoUrls : [todoUrls[1], todoUrls[0]];
        const created = await call(a, "POST", "/todos", {
          title: `client ${i} draft`,
          deadline_at: `2031-01-${String(i + 1).padStart(2, "0")}T10:00:00`,
        });
        expect(created.status).toBe(201);
        const id = created.json.id as number;
        // The change goes through one instance, the export through the other, with no pause between.
        expect((await call(b, "PUT", `/todos/${id}`, { title: `client ${i} final` })).status).toBe(200);
        const task = await call(a, "POST", "/todos/ical");
        expect(task.status).toBe(202);
        return { i, id, taskId: task.json.task_id as string };
      }),
    );

    for (const { i, id, taskId } of results) {
      const status = await waitFor(
        async () => {
          const res = await fetch(`${system.stack.gatewayUrl}/api/v1/todos/ical/${taskId}/status`);
          const body = (await res.json()) as { task_status: string; result_url: string };
          return body.task_status === "SUCCESS" || body.task_status === "FAILURE" ? body : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 50, what: `job of client ${i}` },
      );
      expect(status.task_status).toBe("SUCCESS");
      const ics = await (await fetch(`${system.stack.gatewayUrl}/api/v1/todos/ical/${taskId}/result`)).text();
      const events = new ICAL.Component(ICAL.parse(ics))
        .getAllSubcomponents("vevent")
        .map((v) => new ICAL.Event(v));
      const mine = events.find((e) => e.uid.startsWith(`todo-${id}@`));
      expect(mine?.summary).toBe(`client ${i} final`);
    }

    // Both todo instances wrote, and both calendar processes built calendars.
    const built = (key: string) =>
      system.stack
        .logs(key)
        .split("\n")
        .filter((l) => l.includes('"calendar ready"'));
    expect(built("calendar").length + built(replicas[1] as string).length).toBe(results.length);
  });
});
