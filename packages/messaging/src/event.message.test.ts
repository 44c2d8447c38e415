import { randomUUID } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { bounds } from "@taskoverflow/contracts";
import { calendarEvents, todoEvent } from "@taskoverflow/contracts/testing";
import {
  decodeEventMessage,
  eventMessages,
  GROUP_MAX_BYTES,
  GROUP_MAX_EVENTS,
  PUBLISH_BATCH_MAX_BYTES,
  publishCalls,
} from "./event.message.ts";

const created = (id: number, ctx = {}) => todoEvent("TodoCreated", { id }, ctx);

describe("eventMessages", () => {
  it("groups todo events by type, in order, and sends every other event in a message of its own", () => {
    const [a, b, c] = [created(1), created(2), created(3)];
    const updated = todoEvent("TodoUpdated", { id: 1, version: 2 });
    const [r1, r2] = [calendarEvents.requested(randomUUID()), calendarEvents.requested(randomUUID())];
    const messages = eventMessages([a, r1, updated, b, r2, c]);
    expect(messages.map((m) => m.events)).toEqual([[a, b, c], [r1], [updated], [r2]]);
    expect(JSON.parse(messages[0]?.body ?? "")).toEqual([a, b, c]);
    // A message of one event is that event's JSON, as a producer without groups sends it.
    expect(messages[1]?.body).toBe(JSON.stringify(r1));
    expect(messages[2]?.body).toBe(JSON.stringify(updated));
    expect(messages.map((m) => m.attributes.type)).toEqual([
      "TodoCreated",
      "CalendarRequested",
      "TodoUpdated",
      "CalendarRequested",
    ]);
  });

  it("names the correlation id only when every event of the message shares it, and counts a group", () => {
    const mixed = eventMessages([created(1, { correlationId: "x" }), created(2, { correlationId: "y" })]);
    expect(mixed[0]?.attributes).toEqual({ type: "TodoCreated", eventCount: 2 });
    const shared = eventMessages([created(1, { correlationId: "x" }), created(2, { correlationId: "x" })]);
    expect(shared[0]?.attributes).toEqual({ type: "TodoCreated", correlationId: "x", eventCount: 2 });
    const alone = eventMessages([created(1, { correlationId: "x" })]);
    expect(alone[0]?.attributes).toEqual({ type: "TodoCreated", correlationId: "x" });
  });

  it("closes a group at GROUP_MAX_EVENTS events, and before its body passes the byte limit", () => {
    const many = Array.from({ length: GROUP_MAX_EVENTS * 2 + 1 }, (_, i) => created(i + 1));
    expect(eventMessages(many).map((m) => m.events.length)).toEqual([GROUP_MAX_EVENTS, GROUP_MAX_EVENTS, 1]);
    // The largest todo events the contracts allow (4-byte characters to the bounds): never past the default.
    const largest = Array.from({ length: GROUP_MAX_EVENTS * 2 }, (_, i) =>
      todoEvent("TodoCreated", {
        id: i + 1,
        title: "\u{1F600}".repeat(bounds.title.max),
        description: "\u{1F600}".repeat(bounds.description.max),
      }),
    );
    const grouped = eventMessages(largest);
    expect(grouped.flatMap((m) => m.events)).toEqual(largest);
    for (const m of grouped) expect(Buffer.byteLength(m.body)).toBeLessThanOrEqual(GROUP_MAX_BYTES);
    const maxBytes = 5_000;
    const messages = eventMessages(largest, { maxBytes });
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.flatMap((m) => m.events)).toEqual(largest);
    for (const m of messages) {
      expect(Buffer.byteLength(m.body)).toBeLessThanOrEqual(maxBytes);
      expect(m.events.length).toBeGreaterThan(1);
      expect(decodeEventMessage(m.body)).toEqual({ ok: true, events: m.events });
    }
  });
});

describe("publishCalls", () => {
  it("puts at most `limit` messages and PUBLISH_BATCH_MAX_BYTES into a call, in order", () => {
    const singles = Array.from({ length: 23 }, () => calendarEvents.requested(randomUUID()));
    expect(publishCalls(eventMessages(singles), 10).map((c) => c.length)).toEqual([10, 10, 3]);
    const messages = eventMessages(Array.from({ length: 200 }, (_, i) => created(i + 1)));
    expect(publishCalls(messages, 10)).toEqual([messages]);
    // A byte limit two groups fill: a call each.
    const maxBytes = Math.max(...messages.map((m) => m.bytes)) * 2;
    const calls = publishCalls(messages, 10, maxBytes);
    expect(calls.map((c) => c.length)).toEqual([2, 2]);
    for (const call of calls) expect(call.reduce((n, m) => n + m.bytes, 0)).toBeLessThanOrEqual(maxBytes);
    expect(PUBLISH_BATCH_MAX_BYTES).toBeLessThanOrEqual(256 * 1024);
  });
});

describe("decodeEventMessage", () => {
  it("reads one event or a group back as the events that were encoded", () => {
    const group = [created(1), created(2)];
    expect(decodeEventMessage(eventMessages(group)[0]?.body)).toEqual({ ok: true, events: group });
    const one = calendarEvents.ready(randomUUID());
    expect(decodeEventMessage(JSON.stringify(one))).toEqual({ ok: true, events: [one] });
  });

  it("refuses a body that is not JSON, an empty group, an invalid member and a group of mixed types", () => {
    expect(decodeEventMessage("{nope")).toEqual({ ok: false, reason: "body is not JSON (at position 1)" });
    expect(decodeEventMessage("[]")).toEqual({ ok: false, reason: "an empty group of events" });
    const bad = decodeEventMessage(JSON.stringify([created(1), { ...created(2), type: "Nope" }]));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/^event 1 of the group is not valid: /);
    const mixed = decodeEventMessage(JSON.stringify([created(1), todoEvent("TodoDeleted", { id: 1 })]));
    expect(mixed).toEqual({ ok: false, reason: "event 1 of the group is a TodoDeleted, not a TodoCreated" });
    expect(decodeEventMessage(JSON.stringify({ type: "Nope" })).ok).toBe(false);
  });
});
