// The course's graded todo tests, over HTTP through the gateway, with every service its own process on a real
// PostgreSQL server (or PGlite where the harness chose the embedded path) and the in-process SNS/SQS emulator.
import { describe, expect, it } from "@jest/globals";
import { waitFor } from "@taskoverflow/test-harness";
import { startTestStack } from "./test-stack.ts";

const system = startTestStack({ services: ["todo", "gateway"], logLevel: "info" });

const api = (path: string, init: RequestInit = {}) =>
  system.apiFetch(`${system.stack.gatewayUrl}/api/v1${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
  });
const post = (body: unknown) => api("/todos", { method: "POST", body: JSON.stringify(body) });
const put = (id: number, body: unknown) => api(`/todos/${id}`, { method: "PUT", body: JSON.stringify(body) });
const isoDaysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 19);

async function clear() {
  const todos = (await (await api("/todos")).json()) as Array<{ id: number }>;
  for (const t of todos) await api(`/todos/${t.id}`, { method: "DELETE" });
}

describe("the todo API through the gateway (graded cases)", () => {
  it("answers health", async () => {
    const res = await api("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("lists nothing at first, creates with id 1 and round-trips the deadline exactly", async () => {
    expect(await (await api("/todos")).json()).toEqual([]);
    const lecture = {
      title: "Watch CSSE6400 Lecture",
      description: "Watch the CSSE6400 lecture on ECR and ECS",
    };
    const sent = { ...lecture, completed: true, deadline_at: "2023-02-27T00:00:00" };
    const res = await post(sent);
    expect(res.status).toBe(201);
    const todo = (await res.json()) as Record<string, unknown>;
    expect(todo).toMatchObject({ id: 1, ...sent });
    const got = await api("/todos/1");
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(todo);
  });

  it("returns 404 for a missing todo", async () => {
    const res = await api("/todos/999");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "Todo not found" });
  });

  it("rejects a missing title and an extra field, and changes nothing", async () => {
    await clear();
    const noTitle = await post({ description: "no title" });
    expect(noTitle.status).toBe(400);
    expect(await noTitle.json()).toMatchObject({ error: "missing title" });
    const extra = await post({ title: "x", id: 5 });
    expect(extra.status).toBe(400);
    expect(await extra.json()).toMatchObject({ error: "extra fields" });
    expect(await (await api("/todos")).json()).toEqual([]);
  });

  it("creates with only title and description: completed false, deadline null", async () => {
    const res = await post({ title: "Only two", description: "fields" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ completed: false, deadline_at: null });
  });

  it("lists in id order and filters by completed and window", async () => {
    await clear();
    const ids: number[] = [];
    for (const body of [
      { title: "long past", deadline_at: "2023-02-27T00:00:00", completed: true },
      { title: "past", deadline_at: "2023-03-27T00:00:00" },
      { title: "in 4 days", deadline_at: isoDaysFromNow(4) },
      { title: "in 10 days", deadline_at: isoDaysFromNow(10) },
    ]) {
      ids.push(((await (await post(body)).json()) as { id: number }).id);
    }
    const all = (await (await api("/todos")).json()) as Array<{ id: number }>;
    expect(all.map((t) => t.id)).toEqual(ids);
    const done = (await (await api("/todos?completed=true")).json()) as Array<{ title: string }>;
    expect(done.map((t) => t.title)).toEqual(["long past"]);
    const soon = (await (await api("/todos?window=5")).json()) as Array<{ title: string }>;
    expect(soon.map((t) => t.title)).toEqual(["long past", "past", "in 4 days"]);
    const soonOpen = (await (await api("/todos?completed=false&window=5")).json()) as Array<{
      title: string;
    }>;
    expect(soonOpen.map((t) => t.title)).toEqual(["past", "in 4 days"]);
    expect((await api("/todos?window=-1")).status).toBe(400);
    expect((await api("/todos?completed=maybe")).status).toBe(400);
  });

  it("updates, rejects extra fields before existence, and 404s a missing todo", async () => {
    const { id } = (await (await post({ title: "before" })).json()) as { id: number };
    const res = await put(id, { title: "after" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, title: "after" });
    expect(await (await api(`/todos/${id}`)).json()).toMatchObject({ title: "after" });
    const idChange = await put(id, { id: 2 });
    expect(idChange.status).toBe(400);
    expect(await (await api(`/todos/${id}`)).json()).toMatchObject({ id, title: "after" });
    expect((await put(99_999, { id: 2 })).status).toBe(400);
    expect((await put(99_999, { title: "ghost" })).status).toBe(404);
  });

  it("deletes, then 404s; deleting a missing todo is 200 with {}", async () => {
    const { id } = (await (await post({ title: "doomed" })).json()) as { id: number };
    const del = await api(`/todos/${id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ id, title: "doomed" });
    expect((await api(`/todos/${id}`)).status).toBe(404);
    const again = await api(`/todos/${id}`, { method: "DELETE" });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({});
  });

  it("passes the correlation id through to the todo service and back", async () => {
    const res = await api("/todos", { headers: { "x-correlation-id": "e2e-corr-42" } });
    expect(res.headers.get("x-correlation-id")).toBe("e2e-corr-42");
    // Log lines reach us through a pipe, a moment after the response.
    await waitFor(() => system.stack.logs("todo").includes('"correlationId":"e2e-corr-42"'), {
      what: "the todo service's log line with the correlation id",
    });
  });

  it("answers JSON 404 for an unknown route and 413 for a body over the limit", async () => {
    const unknown = await api("/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/json");
    const big = await post({ title: "x", description: "y".repeat(200_000) });
    expect(big.status).toBe(413);
  });

  it("pages through the gateway with a Link on PUBLIC_URL (the gateway's address), every answer per the OpenAPI document", async () => {
    await clear();
    for (const title of ["p1", "p2", "p3"]) expect((await post({ title })).status).toBe(201);
    const first = await api("/todos?limit=2");
    expect(((await first.json()) as unknown[]).length).toBe(2);
    const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
    expect(new URL(link).origin).toBe(system.stack.gatewayUrl);
    const second = await system.apiFetch(link);
    expect(((await second.json()) as Array<{ title: string }>).map((t) => t.title)).toEqual(["p3"]);
    expect(second.headers.get("link")).toBeNull();
    const bad = await api("/todos?limit=0");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "limit must be an integer from 1 to 1000" });
  });
});
