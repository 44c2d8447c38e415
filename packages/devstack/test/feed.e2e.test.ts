// The subscribed calendar feed end to end: the four services as processes on real PostgreSQL, the in-process
// SNS/SQS/S3 emulator, every request through the gateway (answers checked against the OpenAPI document). Read by
// ical.js and by Debian's python3-icalendar.
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "@jest/globals";
import { rawGet, readWithPythonIcalendar, waitFor } from "@taskoverflow/test-harness";
import { gatewayClient, type Todo, veventsOf } from "./gateway.client.ts";
import { startTestStack } from "./test-stack.ts";

const system = startTestStack({ topology: { prefix: "feed-e2e-" }, logLevel: "warn" });

const { api, apiFetch, createTodo, requestCalendar, finished, download } = gatewayClient(
  () => system.stack.gatewayUrl,
);
const feedUrl = (query = "") => `${system.stack.gatewayUrl}/api/v1/todos/calendar.ics${query}`;

async function feed(query = "") {
  const res = await apiFetch(feedUrl(query));
  expect(res.status).toBe(200);
  return { res, text: await res.text() };
}

/** Waits until the feed satisfies `ok` (polled as fast as the feed answers). */
async function visible(ok: (events: ReturnType<typeof veventsOf>) => boolean, what: string) {
  await waitFor(async () => ok(veventsOf((await feed()).text)), { timeoutMs: 10_000, intervalMs: 10, what });
}

const uidOf = (todo: Todo) => `todo-${todo.id}@taskoverflow.local`;

describe("the calendar feed through the gateway", () => {
  it("is the calendar service's, not a todo id for the todo service", async () => {
    const { res, text } = await feed();
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(text).toContain("REFRESH-INTERVAL;VALUE=DURATION:PT5M\r\n");
    expect(text).toContain("X-PUBLISHED-TTL:PT5M\r\n");
  });

  it("shows a create, an update and a delete", async () => {
    const todo = await createTodo({ title: "Feed me", deadline_at: "2031-07-01T10:00:00" });
    const uid = uidOf(todo);
    await visible((e) => e.some((v) => v.uid === uid), "the create");

    const put = await api(`/todos/${todo.id}`, { method: "PUT", body: JSON.stringify({ title: "Fed" }) });
    expect(put.status).toBe(200);
    await visible((e) => e.some((v) => v.uid === uid && v.summary === "Fed"), "the update");
    const event = veventsOf((await feed()).text).find((v) => v.uid === uid);
    expect(event?.component.getFirstPropertyValue("sequence")).toBe(1);

    expect((await api(`/todos/${todo.id}`, { method: "DELETE" })).status).toBe(200);
    await visible((e) => !e.some((v) => v.uid === uid), "the delete");
    // How fast (the "within a second") is a benchmark, not an assertion: `npm run bench -- feed`.
  });

  it("has the export's UIDs and SEQUENCEs, so an imported export and the subscription do not duplicate", async () => {
    const a = await createTodo({ title: "Shared one", deadline_at: "2031-08-01T10:00:00" });
    const b = await createTodo({ title: "Shared two", deadline_at: "2031-08-02T10:00:00" });
    await api(`/todos/${b.id}`, { method: "PUT", body: JSON.stringify({ completed: true }) });
    const exported = veventsOf((await download(await finished(await requestCalendar()))).text);
    const subscribed = await waitFor(
      async () => {
        const events = veventsOf((await feed()).text);
        const two = events.find((e) => e.uid === uidOf(b));
        return Number(two?.component.getFirstPropertyValue("sequence")) === 1 ? events : undefined;
      },
      { what: "the feed to have both todos" },
    );
    const view = (events: ReturnType<typeof veventsOf>) =>
      events
        .filter((e) => e.uid === uidOf(a) || e.uid === uidOf(b))
        .map((e) => [e.uid, e.summary, e.component.getFirstPropertyValue("sequence")]);
    expect(view(subscribed)).toEqual(view(exported));
    expect(view(subscribed)).toHaveLength(2);

    // Debian's python3-icalendar, independent of our writer and of ical.js, reads the same.
    const python = readWithPythonIcalendar(Buffer.from((await feed()).text, "utf8"));
    expect(python.refreshInterval).toBe("PT5M");
    const pyView = python.events
      .filter((e) => e.uid === uidOf(a) || e.uid === uidOf(b))
      .map((e) => [e.uid, e.summary, e.sequence]);
    expect(pyView).toEqual(view(exported));
    expect(python.events.find((e) => e.uid === uidOf(b))?.categories).toEqual(["Completed"]);
  });

  it("answers 304 while nothing changed, a new ETag after a change, with Last-Modified never going back", async () => {
    const first = await feed();
    const etag = first.res.headers.get("etag") ?? "";
    const lastModified = Date.parse(first.res.headers.get("last-modified") ?? "");
    expect(etag).not.toBe("");
    const again = await apiFetch(feedUrl(), { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    await createTodo({ title: "Changes the feed", deadline_at: "2031-09-01T10:00:00" });
    const changed = await waitFor(
      async () => {
        const res = await apiFetch(feedUrl(), { headers: { "if-none-match": etag } });
        return res.status === 200 ? res : undefined;
      },
      { what: "a new ETag" },
    );
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(Date.parse(changed.headers.get("last-modified") ?? "")).toBeGreaterThanOrEqual(lastModified);
  });

  it("shows a change through every gateway instance, though each answers the feed from its cache", async () => {
    const second = system.stack.replicaUrl(await system.stack.startReplica("gateway")) as string;
    const urls = [feedUrl(), `${second}/api/v1/todos/calendar.ics`];
    // Both gateways hold the current version (their answers agree, 304 for each other's ETag).
    const etags = await waitFor(
      async () => {
        const tags = await Promise.all(urls.map(async (u) => (await apiFetch(u)).headers.get("etag")));
        return tags[0] === tags[1] ? tags : undefined;
      },
      { what: "both gateways on one version" },
    );
    for (const u of urls)
      expect((await apiFetch(u, { headers: { "if-none-match": `${etags[0]}` } })).status).toBe(304);
    const todo = await createTodo({ title: "Seen by both", deadline_at: "2031-10-01T10:00:00" });
    for (const u of urls) {
      // Through the gateway whose cache held the old version, too: a broken invalidation never gets here.
      const res = await waitFor(
        async () => {
          const r = await apiFetch(u, { headers: { "if-none-match": `${etags[0]}` } });
          return r.status === 200 ? r : undefined;
        },
        { what: `the change through ${u}` },
      );
      expect(veventsOf(await res.text()).map((e) => e.uid)).toContain(uidOf(todo));
    }
  });

  it("passes the precompressed gzip through the gateway to clients that accept it", async () => {
    const plain = await rawGet(feedUrl(), { "accept-encoding": "identity" });
    const zipped = await rawGet(feedUrl(), { "accept-encoding": "gzip" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("Accept-Encoding");
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    const etag = String(zipped.headers.etag);
    expect((await rawGet(feedUrl(), { "accept-encoding": "gzip", "if-none-match": etag })).status).toBe(304);
  });

  it("filters like the export and refuses bad filters with JSON 400", async () => {
    const soon = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19);
    const done = await createTodo({ title: "Done tomorrow", deadline_at: soon, completed: true });
    await waitFor(async () => (await feed()).text.includes(`UID:${uidOf(done)}`), { what: "the todo" });
    const uids = async (q: string) => veventsOf((await feed(q)).text).map((e) => e.uid);
    expect(await uids("?completed=true")).toContain(uidOf(done));
    expect(await uids("?completed=false")).not.toContain(uidOf(done));
    expect(await uids("?window=2")).toContain(uidOf(done));
    expect(await uids("?window=2&completed=false")).not.toContain(uidOf(done));
    for (const bad of ["?completed=maybe", "?window=-3", "?window=x"]) {
      const res = await apiFetch(feedUrl(bad));
      expect(res.status).toBe(400);
      expect(res.headers.get("x-error-code")).toBe("invalid_query");
      expect(Object.keys((await res.json()) as object)).toEqual(["error"]);
    }
  });
});
