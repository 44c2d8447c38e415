// Calls through the gateway that the end-to-end tests share: the API, calendar jobs and their files.
import { request } from "node:http";
import { expect } from "@jest/globals";
import type {
  TaskStatusBody as Status,
  TaskAcceptedBody as Task,
  TodoBody as Todo,
} from "@taskoverflow/contracts";
import { checkedFetch, waitFor } from "@taskoverflow/test-harness";
import ICAL from "ical.js";

export type {
  TaskAcceptedBody as Task,
  TaskStatusBody as Status,
  TodoBody as Todo,
} from "@taskoverflow/contracts";

export function veventsOf(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  return calendar.getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    return { uid: e.uid, summary: e.summary, description: e.description, start: e.startDate, component: v };
  });
}

const checkers = new Map<string, Promise<typeof fetch>>();

/** A fetch that checks every API answer against the gateway's OpenAPI document (a mismatch fails the test). */
export function checkedFetchFor(gatewayUrl: () => string): typeof fetch {
  return async (input, init) => {
    const base = gatewayUrl();
    let checker = checkers.get(base);
    if (!checker) {
      checker = checkedFetch(base);
      checkers.set(base, checker);
    }
    return (await checker)(input, init);
  };
}

/** The helpers bound to one gateway (its URL is read on each call: the stack starts in beforeAll). */
export function gatewayClient(gatewayUrl: () => string) {
  const apiFetch = checkedFetchFor(gatewayUrl);
  const api = (path: string, init: RequestInit = {}) =>
    apiFetch(`${gatewayUrl()}/api/v1${path}`, {
      ...init,
      headers: { "content-type": "application/json", ...init.headers },
    });

  async function createTodo(body: Record<string, unknown>): Promise<Todo> {
    const res = await api("/todos", { method: "POST", body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as Todo;
  }

  async function requestCalendar(query = ""): Promise<Task> {
    const res = await api(`/todos/ical${query}`, { method: "POST" });
    expect(res.status).toBe(202);
    return (await res.json()) as Task;
  }

  /** Polls the status until the job ends; every answer on the way must be 200 (an issued id is never 404). */
  async function finished(task: Task, timeoutMs = 60_000): Promise<Status> {
    return waitFor(
      async () => {
        const res = await apiFetch(task.task_url);
        expect(res.status).toBe(200);
        const status = (await res.json()) as Status;
        return status.task_status === "SUCCESS" || status.task_status === "FAILURE" ? status : undefined;
      },
      { timeoutMs, intervalMs: 50, what: `job ${task.task_id}` },
    );
  }

  async function download(status: Status): Promise<{ text: string; headers: Headers }> {
    const res = await apiFetch(status.result_url);
    expect(res.status).toBe(200);
    return { text: await res.text(), headers: res.headers };
  }

  /** A request with a Host header of our choosing (fetch does not let a caller set it). */
  function rawRequest(method: string, path: string, host: string): Promise<string> {
    const { port } = new URL(gatewayUrl());
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, method, headers: { host } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () =>
          res.statusCode && res.statusCode < 300
            ? resolve(body)
            : reject(new Error(`${res.statusCode} ${body}`)),
        );
      });
      req.on("error", reject);
      req.end();
    });
  }

  return { api, apiFetch, createTodo, requestCalendar, finished, download, rawRequest };
}
