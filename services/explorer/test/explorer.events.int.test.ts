// What the explorer records from the topic: every event once, pages of them, one request's timeline.
import { describe, expect, it } from "@jest/globals";
import { type DomainEvent, eventTypes } from "@taskoverflow/contracts";
import { oneOfEach, todoEvent } from "@taskoverflow/contracts/testing";
import { awsEmulators, sendRaw, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { type StoredEvent, useExplorer } from "./explorer.fixture.ts";

describe.each(awsEmulators())("explorer's event record on $name", ({ start }) => {
  const { world, api, json, eventsOf, drained } = useExplorer(start);
  const recordedIds = async (correlationId: string) =>
    (
      await world.rows.query<{ id: string }>("SELECT id FROM events WHERE correlation_id = $1 ORDER BY id", [
        correlationId,
      ])
    ).rows.map((r) => r.id);

  it("records every event type exactly once, through duplicates and redeliveries", async () => {
    const correlationId = uniqueName("once");
    const events = oneOfEach({ correlationId });
    expect(events.map((e) => e.type).sort()).toEqual([...eventTypes].sort());
    await world.publisher.publish(events);
    // A duplicate publish (a relay that crashed after publishing, before marking) and a redelivery
    // straight into the queue (what SQS does after a visibility timeout) carry the same ids.
    await world.publisher.publish(events);
    for (const e of events.slice(0, 3)) {
      await sendRaw(world.sqs, world.topology.queues.explorer.url, JSON.stringify(e), e.type);
    }
    await waitFor(async () => (await recordedIds(correlationId)).length === events.length, {
      what: "every event recorded",
    });
    await drained();
    expect(await recordedIds(correlationId)).toEqual(events.map((e) => e.id).sort());
    const inbox = await world.rows.query<{ n: string }>(
      "SELECT count(*) AS n FROM processed_events WHERE consumer = 'explorer' AND event_id = ANY($1::uuid[])",
      [events.map((e) => e.id)],
    );
    expect(Number(inbox.rows[0]?.n)).toBe(events.length);

    const byType = new Map((await eventsOf(correlationId)).map((e) => [e.type, e]));
    const created = events[0] as DomainEvent;
    expect(byType.get("TodoCreated")).toEqual({
      seq: expect.stringMatching(/^\d+$/),
      id: created.id,
      type: "TodoCreated",
      version: 1,
      producer: "todo",
      sequence: null,
      correlationId,
      occurredAt: new Date(created.occurredAt).toISOString(),
      recordedAt: expect.any(String),
      payloadSummary: JSON.stringify(created.payload).slice(0, 64),
      payloadBytes: Buffer.byteLength(JSON.stringify(created.payload)),
      payloadTruncated: true,
      routedTo: ["calendar", "explorer"],
    });
    expect(Object.fromEntries([...byType.values()].map((e) => [e.type, e.routedTo]))).toEqual({
      TodoCreated: ["calendar", "explorer"],
      TodoUpdated: ["calendar", "explorer"],
      TodoDeleted: ["calendar", "explorer"],
      CalendarRequested: ["calendar", "job-status", "explorer"],
      CalendarStarted: ["job-status", "explorer"],
      CalendarReady: ["job-status", "explorer"],
      CalendarFailed: ["job-status", "explorer"],
    });
  });

  it("pages newest first with filters, and refuses bad parameters with a JSON 400", async () => {
    const correlationId = uniqueName("page");
    const events = [1, 2, 3, 4, 5].map((n) => todoEvent("TodoUpdated", { id: n }, { correlationId }));
    for (const e of events) await world.publisher.publish([e]);
    await waitFor(async () => (await eventsOf(correlationId)).length === 5, { what: "five events" });

    const seen: string[] = [];
    let path: string | null = `/events?correlationId=${correlationId}&limit=2`;
    const pages: number[] = [];
    while (path !== null) {
      const res = await api(path);
      const body = (await res.json()) as { events: StoredEvent[]; next: string | null };
      pages.push(body.events.length);
      seen.push(...body.events.map((e) => e.seq));
      const link = res.headers.get("link");
      path = body.next === null ? null : `/events?correlationId=${correlationId}&limit=2&before=${body.next}`;
      if (body.next !== null) expect(link).toContain(`before=${body.next}`);
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual([...seen].sort((a, b) => Number(b) - Number(a)));
    expect(new Set(seen).size).toBe(5);

    const typed = await json<{ events: StoredEvent[] }>(
      `/events?type=TodoUpdated&correlationId=${correlationId}`,
    );
    expect(typed.events.map((e) => e.type)).toEqual(Array(5).fill("TodoUpdated"));
    expect(
      (await json<{ events: StoredEvent[] }>(`/events?type=TodoCreated&correlationId=${correlationId}`))
        .events,
    ).toEqual([]);

    for (const [query, error] of [
      ["limit=0", "limit must be an integer from 1 to 200"],
      ["limit=201", "limit must be an integer from 1 to 200"],
      ["before=x", "before must be a seq from a previous page"],
      ["type=a&type=b", "type may be given once"],
      ["type=%3Cscript%3E", "type must be an event type name"],
      ["colour=red", "unknown parameter colour"],
    ] as const) {
      const res = await api(`/events?${query}`);
      expect([query, res.status, res.headers.get("content-type"), await res.json()]).toEqual([
        query,
        400,
        "application/json; charset=utf-8",
        { error },
      ]);
    }
  });

  it("answers one request's timeline in order, and 404 for a correlation it never saw", async () => {
    const correlationId = uniqueName("timeline");
    const [a, b, c] = oneOfEach({ correlationId }).slice(3, 6) as DomainEvent[];
    const at = (e: DomainEvent, ms: number) =>
      ({ ...e, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString() }) as DomainEvent;
    // Published newest first: the timeline orders by when they happened, not by arrival.
    await world.publisher.publish([at(c as DomainEvent, 300)]);
    await world.publisher.publish([at(b as DomainEvent, 200), at(a as DomainEvent, 100)]);
    const timeline = await waitFor(
      async () => {
        const res = await api(`/correlations/${correlationId}`);
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as { events: StoredEvent[] };
        return body.events.length === 3 ? body : undefined;
      },
      { what: "the timeline" },
    );
    expect(timeline.events.map((e) => e.type)).toEqual([
      "CalendarRequested",
      "CalendarStarted",
      "CalendarReady",
    ]);

    const missing = await api(`/correlations/${uniqueName("never")}`);
    expect([missing.status, missing.headers.get("x-error-code"), await missing.json()]).toEqual([
      404,
      "correlation_not_found",
      { error: "Correlation not found" },
    ]);
    const bad = await api(`/correlations/${encodeURIComponent("a b")}`);
    expect(bad.status).toBe(400);
  });
});
