import { gunzipSync } from "node:zlib";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "@jest/globals";
import type { EventOf } from "@taskoverflow/contracts";
import { createLogger } from "@taskoverflow/platform";
import {
  awsEmulators,
  rawGet,
  readWithPythonIcalendar,
  type TestDatabase,
  waitFor,
} from "@taskoverflow/test-harness";
import ICAL from "ical.js";
import { useCalendarWorld, type World } from "./calendar.fixture.ts";

const logger = createLogger({
  service: "calendar-feed-test",
  level: process.env.TEST_LOG_LEVEL === "debug" ? "debug" : "silent",
});

/** A raw GET (no transparent decompression, unlike fetch), so the test sees the bytes on the wire. */
const get = rawGet;

const eventsOf = (ics: string) =>
  new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));

// The feed does not depend on the emulator's flavour (the calendar tests run on each): the first one is enough.
const emulator = awsEmulators()[0] as ReturnType<typeof awsEmulators>[number];

describe(`calendar feed (on ${emulator.name})`, () => {
  const { world, startApp: startCalendar, clients } = useCalendarWorld(emulator.start);

  /** A calendar instance; `database` shares another instance's database (several instances, one queue). */
  async function startApp(w: World, database?: TestDatabase) {
    const {
      app,
      database: db,
      url,
    } = await startCalendar(w, { feedRefreshSeconds: 600 }, { logger, ...(database && { database }) });
    return { app, database: db, feed: `${url}/api/v1/todos/calendar.ics` };
  }

  /** Waits until the feed's events satisfy `ok`; returns the answer and its parsed events. */
  async function feedUntil(url: string, ok: (events: ICAL.Event[]) => boolean, what: string) {
    return waitFor(
      async () => {
        const res = await get(url);
        if (res.status !== 200) return undefined;
        const events = eventsOf(res.body.toString("utf8"));
        return ok(events) ? { res, events } : undefined;
      },
      { timeoutMs: 15_000, what },
    );
  }
  const summaries = (events: ICAL.Event[]) => events.map((e) => e.summary);

  it("follows creates, updates and deletes; UIDs are the export's; SEQUENCE grows", async () => {
    const w = await world();
    const { feed } = await startApp(w);
    const empty = await get(feed);
    expect(empty.status).toBe(200);
    expect(empty.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    const text = empty.body.toString("utf8");
    expect(text).toContain("REFRESH-INTERVAL;VALUE=DURATION:PT10M\r\n");
    expect(text).toContain("X-PUBLISHED-TTL:PT10M\r\n");
    expect(eventsOf(text)).toEqual([]);

    await w.stream.change("TodoCreated", { id: 301, title: "First" });
    await w.stream.change("TodoCreated", { id: 302, title: "Second", description: "a, b; c" });
    await w.stream.change("TodoCreated", { id: 303, title: "No deadline", deadlineAt: null });
    const created = await feedUntil(feed, (e) => e.length === 2, "both todos in the feed");
    expect(created.events.map((e) => [e.uid, e.summary, e.sequence])).toEqual([
      ["todo-301@calendar.test", "First", 0],
      ["todo-302@calendar.test", "Second", 0],
    ]);

    await w.stream.change("TodoUpdated", { id: 301, title: "First, renamed" });
    const updated = await feedUntil(
      feed,
      (e) => e[0]?.summary === "First, renamed",
      "the update in the feed",
    );
    expect(updated.events[0]?.uid).toBe("todo-301@calendar.test");
    expect(updated.events[0]?.sequence).toBe(1);

    await w.stream.change("TodoDeleted", { id: 302 });
    const deleted = await feedUntil(feed, (e) => e.length === 1, "the deletion in the feed");
    expect(summaries(deleted.events)).toEqual(["First, renamed"]);

    // The export of the same projection has the same UIDs (and the same SEQUENCE): no duplicates after both.
    const request = await w.stream.request();
    const ready = await waitFor(
      () =>
        w.out
          .of(request.payload.jobId)
          .find((e): e is EventOf<"CalendarReady"> => e.type === "CalendarReady"),
      { timeoutMs: 30_000, what: "the export" },
    );
    const object = await clients().s3.send(
      new GetObjectCommand({ Bucket: ready.payload.bucket, Key: ready.payload.key }),
    );
    const exported = eventsOf((await object.Body?.transformToString("utf-8")) ?? "");
    expect(exported.map((e) => [e.uid, e.sequence])).toEqual(deleted.events.map((e) => [e.uid, e.sequence]));

    // An independent reader (Debian's python3-icalendar) reads the feed the same way.
    const python = readWithPythonIcalendar((await get(feed)).body);
    expect(python.refreshInterval).toBe("PT10M");
    expect(python.publishedTtl).toBe("PT10M");
    expect(python.events).toEqual([
      {
        uid: "todo-301@calendar.test",
        summary: "First, renamed",
        sequence: 1,
        dtstart: "2024-06-01T09:30:00+00:00",
        categories: [],
      },
    ]);
  });

  it("answers 304 while nothing changed; a change moves the ETag, never Last-Modified backwards", async () => {
    const w = await world();
    const { feed } = await startApp(w);
    await w.stream.change("TodoCreated", { id: 401, title: "Stable" });
    const first = (await feedUntil(feed, (e) => e.length === 1, "the todo in the feed")).res;
    const etag = String(first.headers.etag);
    const lastModified = Date.parse(String(first.headers["last-modified"]));
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers["cache-control"]).toBe("no-cache");

    for (let i = 0; i < 3; i++) {
      const again = await get(feed, { "if-none-match": etag });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
    }
    expect((await get(feed, { "if-none-match": `"other", W/${etag}` })).status).toBe(304);
    expect((await get(feed, { "if-none-match": '"other"' })).status).toBe(200);

    await w.stream.change("TodoUpdated", { id: 401, title: "Changed" });
    const changed = await waitFor(
      async () => {
        const res = await get(feed, { "if-none-match": etag });
        return res.status === 200 ? res : undefined;
      },
      { what: "the ETag to change" },
    );
    expect(changed.headers.etag).not.toBe(etag);
    expect(eventsOf(changed.body.toString()).map((e) => e.summary)).toEqual(["Changed"]);
    expect(Date.parse(String(changed.headers["last-modified"]))).toBeGreaterThanOrEqual(lastModified);

    // Deleting the newest todo does not move Last-Modified back (tombstones keep their change time).
    const before = Date.parse(String((await get(feed)).headers["last-modified"]));
    await w.stream.change("TodoDeleted", { id: 401 });
    const gone = await feedUntil(feed, (e) => e.length === 0, "the deletion");
    expect(Date.parse(String(gone.res.headers["last-modified"]))).toBeGreaterThanOrEqual(before);
  });

  it("filters like the export, refuses bad filters with JSON 400, and serves gzip precompressed", async () => {
    const w = await world();
    const { feed } = await startApp(w);
    const soon = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const far = new Date(Date.now() + 60 * 86_400_000).toISOString();
    await w.stream.change("TodoCreated", { id: 501, title: "Done soon", completed: true, deadlineAt: soon });
    await w.stream.change("TodoCreated", { id: 502, title: "Open far", deadlineAt: far });
    await w.stream.change("TodoCreated", {
      id: 503,
      title: "Open overdue",
      deadlineAt: "2020-01-01T00:00:00.000Z",
    });
    await feedUntil(feed, (e) => e.length === 3, "three todos");
    const names = async (query: string) =>
      summaries(eventsOf((await get(`${feed}${query}`)).body.toString()));
    expect(await names("?completed=true")).toEqual(["Done soon"]);
    expect(await names("?completed=false")).toEqual(["Open far", "Open overdue"]);
    expect(await names("?window=7")).toEqual(["Done soon", "Open overdue"]);
    expect(await names("?window=7&completed=false")).toEqual(["Open overdue"]);
    expect(await names(`?window=${"9".repeat(20)}`)).toEqual(["Done soon", "Open far", "Open overdue"]);
    expect(await names("?other=1")).toEqual(["Done soon", "Open far", "Open overdue"]);
    const tags = new Set<string>();
    for (const q of ["", "?completed=true", "?completed=false", "?window=7"]) {
      tags.add(String((await get(`${feed}${q}`)).headers.etag));
    }
    expect(tags.size).toBe(4);

    for (const bad of ["?completed=yes", "?window=-1", "?window=1.5", "?window=7&window=8", "?completed="]) {
      const res = await get(`${feed}${bad}`);
      expect(res.status).toBe(400);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(res.headers["x-error-code"]).toBe("invalid_query");
      expect(Object.keys(JSON.parse(res.body.toString()))).toEqual(["error"]);
    }

    const plain = await get(feed);
    const zipped = await get(feed, { "accept-encoding": "gzip, deflate, br" });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("Accept-Encoding");
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.headers.etag).toBe(String(plain.headers.etag).replace(/"$/, '-gzip"'));
    expect(
      (await get(feed, { "accept-encoding": "gzip", "if-none-match": String(plain.headers.etag) })).status,
    ).toBe(304);
    expect(plain.headers["content-encoding"]).toBeUndefined();
  });

  it("stays current on every instance when several share the queue and the database", async () => {
    const w = await world();
    const one = await startApp(w);
    const two = await startApp(w, one.database);
    for (let id = 601; id <= 610; id++) await w.stream.change("TodoCreated", { id, title: `Todo ${id}` });
    await w.stream.change("TodoUpdated", { id: 605, title: "Five, updated" });
    await w.stream.change("TodoDeleted", { id: 610 });
    const want = (e: ICAL.Event[]) => e.length === 9 && e[4]?.summary === "Five, updated";
    const a = await feedUntil(one.feed, want, "instance one to have every change");
    const b = await feedUntil(two.feed, want, "instance two to have every change");
    expect(a.res.body.equals(b.res.body)).toBe(true);
    expect(a.res.headers.etag).toBe(b.res.headers.etag);
    expect(a.res.headers["last-modified"]).toBe(b.res.headers["last-modified"]);
    // A client that got its ETag from one instance gets a 304 from the other.
    expect((await get(two.feed, { "if-none-match": String(a.res.headers.etag) })).status).toBe(304);
  });
});
