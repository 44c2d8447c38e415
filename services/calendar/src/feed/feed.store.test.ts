import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "@jest/globals";
import { todoState } from "@taskoverflow/contracts/testing";
import ICAL from "ical.js";
import { buildCalendar, type CalendarTodo, feedFrame, renderEvents } from "../calendar/calendar.builder.ts";
import { parseFeedQuery } from "./feed.query.ts";
import { type FeedEntry, FeedStore } from "./feed.store.ts";

const host = "feed.test";
const DAY = 86_400_000;
const now = Date.parse("2024-05-20T00:00:00Z");

const todo = (id: number, o: Partial<CalendarTodo> = {}): CalendarTodo =>
  todoState({
    id,
    title: `Todo ${id}`,
    deadlineAt: "2024-06-01T09:30:00.000Z",
    createdAt: "2024-04-01T00:00:00.000Z",
    updatedAt: "2024-04-02T00:00:00.000Z",
    ...o,
  });

const entries = (todos: CalendarTodo[]) =>
  renderEvents(todos, { host, stampOf: (t) => new Date(t.updatedAt) }).map(
    ({ todo: t, text }): { id: number; entry: FeedEntry } => ({
      id: t.id,
      entry: { id: t.id, text, completed: t.completed, deadlineMs: Date.parse(t.deadlineAt as string) },
    }),
  );

const newStore = () => new FeedStore(feedFrame(300));
const summaries = (ics: string) =>
  new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vevent").map((v) => new ICAL.Event(v).summary);

describe("renderEvents", () => {
  it("writes each VEVENT exactly as the export does", () => {
    const todos = [todo(1), todo(2, { title: "Ünïcödé, with; commas\\", description: "x".repeat(120) })];
    const stamp = new Date("2024-04-02T00:00:00.000Z");
    const exported = buildCalendar(todos, { host, stamp }).body.toString("utf8");
    const rendered = renderEvents(todos, { host, stampOf: () => stamp });
    expect(rendered.map((r) => r.todo.id)).toEqual([1, 2]);
    const joined = rendered.map((r) => r.text.toString("utf8")).join("");
    expect(exported).toContain(joined);
    expect(joined.startsWith("BEGIN:VEVENT\r\n")).toBe(true);
    expect(joined.endsWith("END:VEVENT\r\n")).toBe(true);
  });

  it("skips todos without a deadline, across chunk boundaries", () => {
    const many = Array.from({ length: 1203 }, (_, i) => todo(i + 1, i % 7 === 0 ? { deadlineAt: null } : {}));
    const rendered = renderEvents(many, { host, stampOf: () => new Date() });
    expect(rendered).toHaveLength(many.filter((t) => t.deadlineAt !== null).length);
    for (const r of rendered) expect(r.text.toString()).toContain(`UID:todo-${r.todo.id}@${host}\r\n`);
  });
});

describe("FeedStore", () => {
  it("serves the todos in id order with the subscription lines, gzip the same bytes", async () => {
    const store = newStore();
    store.apply(entries([todo(3), todo(1), todo(2, { completed: true })]), now);
    const v = store.variant({}, now);
    const text = v.body().toString("utf8");
    expect(text).toContain("REFRESH-INTERVAL;VALUE=DURATION:PT5M\r\n");
    expect(text).toContain("X-PUBLISHED-TTL:PT5M\r\n");
    expect(summaries(text)).toEqual(["Todo 1", "Todo 2", "Todo 3"]);
    expect(gunzipSync(await v.gzip()).equals(v.body())).toBe(true);
    expect(v.eventCount).toBe(3);
  });

  it("gives the same ETag for the same content, whatever the order it was built in", () => {
    const a = newStore();
    const b = newStore();
    a.apply(entries([todo(1), todo(2)]), now);
    b.apply(entries([todo(2)]), now);
    b.apply(entries([todo(1)]), now);
    expect(a.variant({}, now).etag).toBe(b.variant({}, now).etag);
    b.apply(entries([todo(2, { version: 2, title: "changed" })]), now);
    expect(a.variant({}, now).etag).not.toBe(b.variant({}, now).etag);
    b.apply(entries([todo(2)]), now);
    expect(a.variant({}, now).etag).toBe(b.variant({}, now).etag);
  });

  it("changes the ETag on delete and never moves Last-Modified back", () => {
    const store = newStore();
    store.apply(entries([todo(1), todo(2)]), now + 5_000);
    const before = store.variant({}, now);
    expect(store.apply([{ id: 2, entry: undefined }], now + 1_000)).toBe(true);
    const after = store.variant({}, now);
    expect(after.etag).not.toBe(before.etag);
    expect(after.lastModifiedMs).toBe(before.lastModifiedMs);
    expect(summaries(after.body().toString())).toEqual(["Todo 1"]);
    expect(store.apply([{ id: 2, entry: undefined }], now)).toBe(false);
  });

  it("filters by completed and by a window counted from now", () => {
    const store = newStore();
    store.apply(
      entries([
        todo(1, { deadlineAt: "2024-05-01T00:00:00.000Z" }), // overdue: in every window
        todo(2, { deadlineAt: "2024-05-25T00:00:00.000Z", completed: true }),
        todo(3, { deadlineAt: "2024-07-01T00:00:00.000Z" }),
      ]),
      now,
    );
    const names = (f: Parameters<FeedStore["variant"]>[0], at = now) =>
      summaries(store.variant(f, at).body().toString());
    expect(names({ completed: true })).toEqual(["Todo 2"]);
    expect(names({ completed: false })).toEqual(["Todo 1", "Todo 3"]);
    expect(names({ windowDays: 0 })).toEqual(["Todo 1"]);
    expect(names({ windowDays: 7 })).toEqual(["Todo 1", "Todo 2"]);
    expect(names({ windowDays: 7, completed: false })).toEqual(["Todo 1"]);
    // Time passes: the window takes in todo 3, and its validators move on with it.
    const early = store.variant({ windowDays: 7 }, now);
    const later = store.variant({ windowDays: 7 }, now + 40 * DAY);
    expect(names({ windowDays: 7 }, now + 40 * DAY)).toEqual(["Todo 1", "Todo 2", "Todo 3"]);
    expect(later.etag).not.toBe(early.etag);
    expect(later.lastModifiedMs).toBeGreaterThan(early.lastModifiedMs);
    expect(store.variant({ windowDays: 7 }, now + DAY).etag).toBe(early.etag);
  });

  it("recompresses only what changed, across blocks and filters, and the gzip bytes stay the identity's", async () => {
    const store = newStore();
    const many = Array.from({ length: 700 }, (_, i) => todo(i + 1, { completed: i % 3 === 0 }));
    store.apply(entries(many), now);
    const same = async (f: Parameters<FeedStore["variant"]>[0]) => {
      const v = store.variant(f, now);
      expect(gunzipSync(await v.gzip()).equals(v.body())).toBe(true);
      return v;
    };
    for (const f of [{}, { completed: true }, { completed: false }, { windowDays: 20 }]) await same(f);
    store.apply(entries([todo(300, { version: 2, title: "Changed" }), todo(650, { completed: true })]), now);
    store.apply([{ id: 2, entry: undefined }], now);
    for (const f of [{}, { completed: true }, { completed: false }, { windowDays: 20 }]) await same(f);
    expect(summaries((await same({})).body().toString())).toContain("Changed");
    expect((await same({})).eventCount).toBe(699);
  });

  it("makes a variant's gzip bytes of the content it was asked at, though a change lands meanwhile", async () => {
    const store = newStore();
    store.apply(entries(Array.from({ length: 900 }, (_, i) => todo(i + 1))), now);
    const v = store.variant({}, now);
    const body = v.body();
    const zipped = v.gzip();
    store.apply(entries([todo(800, { version: 2, title: "Too late" })]), now);
    expect(gunzipSync(await zipped).equals(body)).toBe(true);
    const after = store.variant({}, now);
    expect(gunzipSync(await after.gzip()).equals(after.body())).toBe(true);
  });

  it("has a version that changes with the content or Last-Modified, and tells its listeners", () => {
    const store = newStore();
    const heard: string[] = [];
    const stop = store.onChange(() => heard.push(store.version));
    const empty = store.version;
    store.apply(entries([todo(1)]), now);
    expect(heard).toEqual([store.version]);
    expect(store.version).not.toBe(empty);
    store.apply(entries([todo(1)]), now); // the same content, the same second: nothing to tell
    expect(heard).toHaveLength(1);
    store.apply([], now + 5_000); // a tombstone elsewhere moved Last-Modified
    expect(heard).toHaveLength(2);
    const other = newStore();
    other.apply(entries([todo(1)]), now + 5_000);
    expect(other.version).toBe(store.version); // content-derived: every instance agrees
    stop();
    store.apply([{ id: 1, entry: undefined }], now + 5_000);
    expect(heard).toHaveLength(2);
  });

  it("keeps the cache within its byte bound", () => {
    const store = new FeedStore({ ...feedFrame(300), cacheBytes: 2_000 });
    store.apply(entries(Array.from({ length: 20 }, (_, i) => todo(i + 1))), now);
    const big = store.variant({}, now).body();
    expect(big.length).toBeGreaterThan(2_000);
    // Asked again, the same bytes come back (built anew or cached, the content is the same).
    expect(store.variant({}, now).body().equals(big)).toBe(true);
    expect(store.variant({ completed: false }, now).body().equals(big)).toBe(true);
  });
});

describe("feed query and If-None-Match", () => {
  it("validates like the export", () => {
    expect(parseFeedQuery({})).toEqual({});
    expect(parseFeedQuery({ completed: "true", window: "7", other: "x" })).toEqual({
      completed: true,
      windowDays: 7,
    });
    expect(parseFeedQuery({ window: "9".repeat(30) })).toEqual({ windowDays: 3_000_000 });
    for (const bad of [{ completed: "yes" }, { window: "-1" }, { window: "1.5" }, { window: ["1", "2"] }]) {
      expect(() => parseFeedQuery(bad)).toThrow(
        expect.objectContaining({ status: 400, code: "invalid_query" }),
      );
    }
  });
});
