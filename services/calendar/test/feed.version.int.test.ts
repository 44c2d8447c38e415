// The feed's version stream (GET /internal/feed/version), what the gateways' feed caches follow: the current
// version at once, each new one as the feed changes, equal on every instance sharing the projection, and the
// same token the feed's answers carry (X-Feed-Version).
import { describe, expect, it } from "@jest/globals";
import { createLogger } from "@taskoverflow/platform";
import { awsEmulators, rawGet, type TestDatabase, waitFor } from "@taskoverflow/test-harness";
import ICAL from "ical.js";
import { useCalendarWorld, type World } from "./calendar.fixture.ts";

const logger = createLogger({ service: "calendar-feed-version-test", level: "silent" });
const emulator = awsEmulators()[0] as ReturnType<typeof awsEmulators>[number];
const summariesOf = (ics: string) =>
  new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vevent").map((v) => new ICAL.Event(v).summary);

describe(`calendar feed version stream (on ${emulator.name})`, () => {
  const { world, startApp: startCalendar } = useCalendarWorld(emulator.start);

  async function startApp(w: World, database?: TestDatabase) {
    const { database: db, url } = await startCalendar(w, {}, { logger, ...(database && { database }) });
    return { database: db, url, feed: `${url}/api/v1/todos/calendar.ics` };
  }

  async function feedUntil(url: string, ok: (summaries: string[]) => boolean, what: string) {
    return waitFor(
      async () => {
        const res = await rawGet(url);
        return res.status === 200 && ok(summariesOf(res.body.toString("utf8"))) ? { res } : undefined;
      },
      { timeoutMs: 15_000, what },
    );
  }

  it("reports its version to subscribers at once and after each change, the same on every instance", async () => {
    const w = await world();
    const one = await startApp(w);
    const two = await startApp(w, one.database);
    const streams = [one, two].map((i) =>
      versionStream(i.feed.replace(/\/api\/v1\/todos\/calendar\.ics$/, "")),
    );
    try {
      const first = await Promise.all(
        streams.map((s) => waitFor(() => s.versions.at(-1), { what: "a version" })),
      );
      expect(first[0]).toBe(first[1]);
      await w.stream.change("TodoCreated", { id: 701, title: "Versioned" });
      for (const [i, instance] of [one, two].entries()) {
        const { res } = await feedUntil(instance.feed, (e) => e.includes("Versioned"), "the todo");
        const version = String(res.headers["x-feed-version"]);
        expect(version).not.toBe(first[0]);
        // The stream told this instance's subscribers of the version its answers now carry.
        await waitFor(() => streams[i]?.versions.includes(version), {
          what: "the new version on the stream",
        });
      }
      expect(streams[0]?.versions.at(-1)).toBe(streams[1]?.versions.at(-1));
    } finally {
      for (const s of streams) s.close();
    }
  });
});

/** Follows an instance's feed version stream (what the gateways subscribe to); `versions` as they arrive. */
function versionStream(base: string) {
  const versions: string[] = [];
  const controller = new AbortController();
  void (async () => {
    const res = await fetch(`${base}/internal/feed/version`, { signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    let pending = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      pending += Buffer.from(chunk).toString("utf8");
      for (let end = pending.indexOf("\n\n"); end !== -1; end = pending.indexOf("\n\n")) {
        for (const line of pending.slice(0, end).split("\n"))
          if (line.startsWith("data: ")) versions.push(line.slice(6));
        pending = pending.slice(end + 2);
      }
    }
  })().catch(() => {});
  return { versions, close: () => controller.abort() };
}
