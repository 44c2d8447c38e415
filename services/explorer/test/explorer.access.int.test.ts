// The explorer's live stream and its bearer token (EXPLORER_TOKEN).
import { describe, expect, it } from "@jest/globals";
import { todoEvent } from "@taskoverflow/contracts/testing";
import { planTopology } from "@taskoverflow/messaging";
import { awsEmulators, openEventStream, uniqueName } from "@taskoverflow/test-harness";
import { Kysely, PostgresDialect } from "kysely";
import type { ExplorerTables } from "../src/db/tables.ts";
import { recordOf } from "../src/events/event.domain.ts";
import { EventRepository } from "../src/events/event.repository.ts";
import { startExplorer, useExplorer } from "./explorer.fixture.ts";

const TOKEN = "a-test-token-of-enough-length";

describe.each(awsEmulators())("explorer's stream and token on $name", ({ start }) => {
  const { world, service, api } = useExplorer(start);

  it("streams recorded events as Server-Sent Events", async () => {
    const correlationId = uniqueName("live");
    const stream = await openEventStream(
      `${service.url}/api/v1/explorer/stream?correlationId=${correlationId}`,
    );
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
    expect(await stream.next()).toEqual({ kind: "comment", text: "connected" });
    const e = todoEvent("TodoCreated", {}, { correlationId });
    await world.publisher.publish([e]);
    const message = await stream.nextEvent();
    stream.close();
    expect(message).toEqual({
      kind: "event",
      id: expect.stringMatching(/^\d+$/),
      event: "recorded",
      data: expect.any(String),
    });
    expect(JSON.parse(message?.data ?? "")).toMatchObject({ id: e.id, correlationId });
  });

  it("gives the events of one transaction (a received batch) the resume id on the last one only", async () => {
    const correlationId = uniqueName("batch");
    const stream = await openEventStream(
      `${service.url}/api/v1/explorer/stream?correlationId=${correlationId}`,
    );
    expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
    expect(await stream.next()).toEqual({ kind: "comment", text: "connected" });
    // Recorded as the consumer records one receive: three events, one statement, one transaction.
    const pool = world.rows;
    if (pool === undefined) throw new Error("the world has no database");
    const db = new Kysely<ExplorerTables>({ dialect: new PostgresDialect({ pool }) });
    const sent = [1, 2, 3].map(() => todoEvent("TodoUpdated", {}, { correlationId }));
    const plan = planTopology();
    const entries = sent.map((e) => ({ record: recordOf(e, plan, 64), recordedAt: new Date() }));
    await new EventRepository().recordAll(db, "test", entries);
    const got = [await stream.nextEvent(), await stream.nextEvent(), await stream.nextEvent()];
    stream.close();
    expect(got.map((m) => JSON.parse(m?.data ?? "").id)).toEqual(sent.map((e) => e.id));
    // A client cut off inside the batch resumes before it (and drops what it has shown), never after it.
    expect(got.map((m) => m?.id)).toEqual([undefined, undefined, expect.stringMatching(/^\d+$/)]);
  });

  it("with EXPLORER_TOKEN, needs the bearer token on every explorer route (401 JSON), not on health", async () => {
    // The same service with a token, on the same database and queue: two processes of one consumer.
    const guardedUrl = (await startExplorer(world, { token: TOKEN })).url;
    const paths = ["/events", "/queues", "/correlations/x", "/dead-letters/calendar", "/stream"];
    for (const path of paths) {
      for (const authorization of [undefined, "Bearer wrong-token", `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
        const res = await fetch(`${guardedUrl}/api/v1/explorer${path}`, {
          headers: authorization ? { authorization } : {},
        });
        expect([
          path,
          authorization,
          res.status,
          res.headers.get("www-authenticate"),
          await res.json(),
        ]).toEqual([
          path,
          authorization,
          401,
          'Bearer realm="explorer"',
          { error: "Missing or wrong bearer token" },
        ]);
      }
    }
    const redrive = await fetch(`${guardedUrl}/api/v1/explorer/dead-letters/calendar/redrive`, {
      method: "POST",
    });
    expect(redrive.status).toBe(401);
    const ok = await fetch(`${guardedUrl}/api/v1/explorer/queues`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.status).toBe(200);
    expect((await fetch(`${guardedUrl}/api/v1/health`)).status).toBe(200);
    // Without a token configured, the same routes are open.
    expect((await api("/queues")).status).toBe(200);
  });
});
