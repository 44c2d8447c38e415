import { describe, expect, it } from "@jest/globals";
import { bounds, createEvent, eventTypes, InvalidEventError, parseEvent } from "./index.ts";
import { oneOfEach, todoState } from "./testing.ts";

const todo = todoState({
  title: "Project Proposal",
  description: "CSSE6400 Project Proposal Due",
  deadlineAt: "2023-04-03T14:00:00.000Z",
  createdAt: "2023-02-27T00:00:00.000Z",
  updatedAt: "2023-02-27T00:00:00.000Z",
});
const ctx = {
  correlationId: "req-1",
  producer: "todo",
  now: () => new Date("2023-02-27T00:00:00Z"),
  newId: () => "6f1c1f7e-1b7a-4c39-9a5e-0f6e0f1d2a3b",
};

describe("event contracts", () => {
  it("lists every event type", () => {
    expect([...eventTypes].sort()).toEqual([
      "CalendarFailed",
      "CalendarReady",
      "CalendarRequested",
      "CalendarStarted",
      "TodoCreated",
      "TodoDeleted",
      "TodoUpdated",
    ]);
  });

  it("has test builders that make a valid event of every type", () => {
    const events = oneOfEach();
    for (const event of events)
      expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual({ ok: true, event });
    expect(events.map((e) => e.type).sort()).toEqual([...eventTypes].sort());
  });

  it("round-trips an event through JSON", () => {
    const event = createEvent("TodoCreated", { todo }, ctx);
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual({ ok: true, event });
  });

  it("rejects an event whose payload breaks the schema, naming the field", () => {
    const event = { ...createEvent("TodoCreated", { todo }, ctx), payload: { todo: { ...todo, title: "" } } };
    const result = parseEvent(event);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain("title");
  });

  it("never creates an invalid event: createEvent validates what it builds", () => {
    expect(() => createEvent("TodoCreated", { todo: { ...todo, title: "" } }, ctx)).toThrow(
      InvalidEventError,
    );
    expect(() => createEvent("TodoCreated", { todo: { ...todo, title: "a\u0007b" } }, ctx)).toThrow(
      /control characters/,
    );
    expect(() => createEvent("TodoCreated", { todo: { ...todo, description: "\ud800" } }, ctx)).toThrow(
      /Unicode/,
    );
    expect(() => createEvent("TodoCreated", { todo: { ...todo, id: bounds.idMax + 1 } }, ctx)).toThrow(
      InvalidEventError,
    );
    expect(
      createEvent("TodoCreated", { todo: { ...todo, description: "tab\tand\nnewline" } }, ctx).type,
    ).toBe("TodoCreated");
  });

  it("carries a window up to the shared bound and not one day more", () => {
    const request = (windowDays: number) => () =>
      createEvent(
        "CalendarRequested",
        { jobId: ctx.newId(), filters: { windowDays }, requestedAt: "2023-02-27T00:00:00.000Z" },
        ctx,
      );
    expect(request(bounds.windowDaysMax)).not.toThrow();
    expect(request(bounds.windowDaysMax + 1)).toThrow(InvalidEventError);
    expect(request(1e20)).toThrow(InvalidEventError);
  });

  it("counts lengths in characters, as the API does: 80 emoji make a valid title, 81 do not", () => {
    const emoji = (n: number) => "🎉".repeat(n);
    const titled = (title: string) => () => createEvent("TodoUpdated", { todo: { ...todo, title } }, ctx);
    expect(titled(emoji(80))).not.toThrow();
    expect(titled(emoji(81))).toThrow(InvalidEventError);
    expect(() =>
      createEvent("TodoUpdated", { todo: { ...todo, description: emoji(120) } }, ctx),
    ).not.toThrow();
    expect(() => createEvent("TodoUpdated", { todo: { ...todo, description: emoji(121) } }, ctx)).toThrow();
  });

  it("rejects an unknown type and a missing envelope field", () => {
    expect(
      parseEvent({ ...createEvent("CalendarStarted", { jobId: ctx.newId() }, ctx), type: "Nope" }).ok,
    ).toBe(false);
    const { correlationId: _omitted, ...rest } = createEvent("CalendarStarted", { jobId: ctx.newId() }, ctx);
    expect(parseEvent(rest).ok).toBe(false);
  });

  it("refuses a CalendarReady without a valid checksum", () => {
    expect(() =>
      createEvent(
        "CalendarReady",
        { jobId: ctx.newId(), bucket: "b", key: "k.ics", size: 10, sha256: "abc", eventCount: 1 },
        ctx,
      ),
    ).toThrow(/sha256/);
  });
});
