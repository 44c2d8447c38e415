import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { bounds, createEvent, parseEvent } from "@taskoverflow/contracts";
import { outboxMigration, outboxV2Migration, outboxV3Migration } from "@taskoverflow/messaging";
import {
  createLogger,
  type Database,
  DEFAULT_PUBLIC_ORIGIN,
  listen,
  migrate,
  openDatabase,
  type RequestState,
  type RunningServer,
  requestMiddleware,
} from "@taskoverflow/platform";
import { createTestDatabase, type TestDatabase } from "@taskoverflow/test-harness";
import Koa from "koa";
import { sql } from "kysely";
import { CalendarRequestRepository } from "./calendar-request.repository.ts";
import type { CalendarRequestDatabase } from "./calendar-request.table.ts";
import { calendarRequestRoutes, calendarRequestsMigration } from "./index.ts";

const logger = createLogger({ service: "todo-test", level: "silent" });
const now = new Date("2024-03-01T10:00:00.000Z");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("calendar requests (todo service side)", () => {
  let testDb: TestDatabase;
  let database: Database<CalendarRequestDatabase>;
  let server: RunningServer;
  let committed = 0;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase<CalendarRequestDatabase>({ url: testDb.url, dataDir: "memory" }, logger);
    await migrate(
      database.db,
      {
        "0001_outbox": outboxMigration,
        "0001_outbox_v2": outboxV2Migration,
        "0001_outbox_v3": outboxV3Migration,
        "0002_calendar": calendarRequestsMigration,
      },
      logger,
    );
    const app = new Koa<RequestState>();
    const router = calendarRequestRoutes({
      db: database.db,
      clock: { now: () => now },
      onCommitted: () => committed++,
    });
    app.use(requestMiddleware(logger)).use(router.routes()).use(router.allowedMethods());
    server = await listen(app, 0);
  });

  afterAll(async () => {
    await server?.close();
    await database?.close();
    await testDb?.drop();
  });

  const post = (query = "", init: RequestInit = {}) =>
    fetch(`${server.url}/api/v1/todos/ical${query}`, { method: "POST", ...init });
  /** POST with `body` as JSON, or with no body when it is undefined. */
  const postJson = (query: string, body: unknown) =>
    post(
      query,
      body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    );

  async function outboxEvent(jobId: string) {
    const { rows } = await sql<{ body: string }>`SELECT body FROM outbox ORDER BY id`.execute(database.db);
    return rows.map((r) => JSON.parse(r.body)).find((e) => e.payload?.jobId === jobId);
  }

  it("answers 202 with task_id and an absolute task_url, and commits the event", async () => {
    const before = committed;
    const res = await post("", {
      headers: {
        "x-forwarded-host": "localhost:8080",
        "x-forwarded-proto": "https",
        "x-correlation-id": "corr-1",
      },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { task_id: string; task_url: string };
    expect(Object.keys(body).sort()).toEqual(["task_id", "task_url"]);
    expect(body.task_id).toMatch(UUID);
    expect(body.task_url).toBe(`https://localhost:8080/api/v1/todos/ical/${body.task_id}/status`);
    expect(committed).toBe(before + 1);
    const event = await outboxEvent(body.task_id);
    expect(event).toMatchObject({
      type: "CalendarRequested",
      producer: "todo",
      correlationId: "corr-1",
      payload: { jobId: body.task_id, filters: {}, requestedAt: now.toISOString() },
    });
    // Its sequence is assigned after commit by the relay's sequencer, not stored by the writer.
    expect(event.sequence).toBeUndefined();
  });

  it("builds task_url from the Host header without a gateway", async () => {
    const res = await post();
    const body = (await res.json()) as { task_id: string; task_url: string };
    expect(body.task_url).toBe(`${server.url}/api/v1/todos/ical/${body.task_id}/status`);
  });

  it("never builds task_url on a host a client chose (no PUBLIC_URL): the default origin instead", async () => {
    // (fetch cannot send another Host header; the unit tests of publicOrigin cover a foreign Host.)
    for (const headers of [{ "x-forwarded-host": "evil.example" }, { "x-forwarded-host": "10.0.0.7:6401" }]) {
      const body = (await (await post("", { headers })).json()) as { task_id: string; task_url: string };
      expect(body.task_url).toBe(`${DEFAULT_PUBLIC_ORIGIN}/api/v1/todos/ical/${body.task_id}/status`);
    }
  });

  it("builds task_url on PUBLIC_URL whatever the request's headers say", async () => {
    const app = new Koa<RequestState>();
    const router = calendarRequestRoutes({
      db: database.db,
      clock: { now: () => now },
      publicUrl: "https://tasks.example.org",
    });
    app.use(requestMiddleware(logger)).use(router.routes());
    const other = await listen(app, 0);
    try {
      const res = await fetch(`${other.url}/api/v1/todos/ical`, {
        method: "POST",
        headers: { "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" },
      });
      const body = (await res.json()) as { task_id: string; task_url: string };
      expect(body.task_url).toBe(`https://tasks.example.org/api/v1/todos/ical/${body.task_id}/status`);
    } finally {
      await other.close();
    }
  });

  it("takes the list endpoint's filters from the query or a JSON body", async () => {
    const viaQuery = (await (await post("?completed=false&window=7")).json()) as { task_id: string };
    expect((await outboxEvent(viaQuery.task_id)).payload.filters).toEqual({
      completed: false,
      windowDays: 7,
    });
    const viaBody = (await (
      await post("", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ completed: true, window: 0 }),
      })
    ).json()) as { task_id: string };
    expect((await outboxEvent(viaBody.task_id)).payload.filters).toEqual({ completed: true, windowDays: 0 });
  });

  it("records a request and its event together or not at all (one statement)", async () => {
    const repo = new CalendarRequestRepository();
    const request = (id: string) => ({ id, filters: {}, requestedAt: now, correlationId: "c" });
    const event = createEvent(
      "CalendarRequested",
      { jobId: crypto.randomUUID(), filters: {}, requestedAt: now.toISOString() },
      { correlationId: "c", producer: "todo" },
    );
    const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
    await repo.insertWithEvent(database.db, request(first), event);
    // The same event again: its outbox row cannot be written (event ids are unique), so neither is the request.
    await expect(repo.insertWithEvent(database.db, request(second), event)).rejects.toThrow();
    const { rows } = await sql<{ id: string }>`
      SELECT id::text FROM calendar_requests WHERE id = ANY(${[first, second]}::uuid[])`.execute(database.db);
    expect(rows.map((r) => r.id)).toEqual([first]);
  });

  it("rejects invalid filters with 400 JSON and issues nothing", async () => {
    const { rows: before } = await sql<{ n: string }>`SELECT count(*) AS n FROM calendar_requests`.execute(
      database.db,
    );
    for (const [query, body] of [
      ["?completed=yes", undefined],
      ["?window=-1", undefined],
      ["?window=1.5", undefined],
      ["", { window: "abc" }],
      ["", { completed: "maybe" }],
      ["", { colour: "red" }],
      ["", [1, 2]],
      ["", { window: 1e20 }],
      ["", { window: -1 }],
    ] as const) {
      const res = await postJson(query, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toEqual(expect.any(String));
    }
    const { rows: after } = await sql<{ n: string }>`SELECT count(*) AS n FROM calendar_requests`.execute(
      database.db,
    );
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it("takes a huge window as the shared bound, so its event is valid (the issue's one-request slowdown)", async () => {
    for (const [query, body] of [
      [`?window=${"9".repeat(30)}`, undefined],
      ["", { window: String(bounds.windowDaysMax + 1) }],
      ["", { window: bounds.windowDaysMax }],
    ] as const) {
      const res = await postJson(query, body);
      expect(res.status).toBe(202);
      const { task_id } = (await res.json()) as { task_id: string };
      const event = await outboxEvent(task_id);
      expect(event.payload.filters).toEqual({ windowDays: bounds.windowDaysMax });
      expect(parseEvent(event).ok).toBe(true);
    }
  });

  it("says which task ids were issued", async () => {
    const { task_id } = (await (await post()).json()) as { task_id: string };
    const found = await fetch(`${server.url}/internal/v1/calendar-requests/${task_id}`);
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ id: task_id, requestedAt: now.toISOString() });
    for (const id of ["6f1c1f7e-1b7a-4c39-9a5e-0f6e0f1d2a3b", "not-a-uuid", "1"]) {
      const res = await fetch(`${server.url}/internal/v1/calendar-requests/${id}`);
      expect(res.status).toBe(404);
    }
  });
});
