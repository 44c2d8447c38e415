// The gateway's feed cache (src/feed/) against a calendar-like peer whose version the test controls: answers
// come from the cache only while the subscription reports the version they were made at; a reported change
// reaches every gateway; while the subscription is down (refused, dropped, silent) every request is proxied.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { waitFor } from "@taskoverflow/test-harness";
import { createGatewayApp, type GatewayConfig, loadConfig } from "../src/app.ts";
import type { FeedCacheTuning } from "../src/feed/feed.setup.ts";
import { type FakeCalendar, startFakeCalendar } from "./fake-calendar.ts";

let calendar: FakeCalendar;
const running: Array<() => Promise<void>> = [];

beforeAll(async () => {
  calendar = await startFakeCalendar();
});
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
  calendar.refuse = false;
  calendar.silent = false;
});
afterAll(async () => {
  await calendar.close();
});

async function startGateway(change: Partial<GatewayConfig> = {}, feedCache: FeedCacheTuning = {}) {
  const base = loadConfig({});
  const upstreams = Object.fromEntries(
    Object.keys(base.upstreams).map((k) => [k, calendar.url]),
  ) as GatewayConfig["upstreams"];
  const app = createGatewayApp({ ...base, port: 0, logLevel: "silent", upstreams, ...change }, { feedCache });
  const { url } = await app.start();
  running.push(() => app.stop());
  return `${url}/api/v1/todos/calendar.ics`;
}

interface Got {
  status: number;
  etag: string | null;
  text: string;
  headers: Headers;
}
async function get(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<Got> {
  const res = await fetch(url, { method, headers: { "accept-encoding": "gzip", ...headers } });
  return { status: res.status, etag: res.headers.get("etag"), text: await res.text(), headers: res.headers };
}

/** How many requests reached the calendar peer while `fn` ran. */
async function upstreamCount(fn: () => Promise<unknown>): Promise<number> {
  const before = calendar.feedRequests;
  await fn();
  return calendar.feedRequests - before;
}

/** Waits until this gateway answers `url` from its cache (no request reaches the calendar). */
const cached = (url: string, headers: Record<string, string> = {}) =>
  waitFor(async () => (await upstreamCount(() => get(url, headers))) === 0, {
    what: `${url} from the cache`,
  });

const contentOf = (got: Got) => /X-CONTENT:(.*)\r\n/.exec(got.text)?.[1];

describe("the gateway's feed cache", () => {
  it("answers repeated feed requests itself, 200 and 304 alike, as the calendar service would", async () => {
    const feed = await startGateway();
    await cached(feed);
    let answer: Got | undefined;
    let notModified: Got | undefined;
    expect(
      await upstreamCount(async () => {
        answer = await get(feed);
        notModified = await get(feed, { "if-none-match": answer.etag as string });
      }),
    ).toBe(0);
    expect(answer?.status).toBe(200);
    expect(contentOf(answer as Got)).toBe(`${calendar.content}/all`);
    expect(answer?.headers.get("content-encoding")).toBe("gzip");
    expect(answer?.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(answer?.headers.get("x-feed-version")).toBeNull();
    expect(notModified?.status).toBe(304);
    expect(notModified?.etag).toBe(answer?.etag);
    expect(notModified?.headers.get("last-modified")).toBe(answer?.headers.get("last-modified"));

    // Identity and a `completed` filter are variants of their own; a window (time-dependent) and HEAD never
    // come from the cache.
    await cached(feed, { "accept-encoding": "identity" });
    const identity = await get(feed, { "accept-encoding": "identity" });
    expect(identity.headers.get("content-encoding")).toBeNull();
    expect(identity.etag).not.toBe(answer?.etag);
    await cached(`${feed}?completed=true`);
    expect(contentOf(await get(`${feed}?completed=true`))).toBe(`${calendar.content}/true`);
    expect(await upstreamCount(() => get(`${feed}?window=7`))).toBe(1);
    expect(await upstreamCount(() => get(`${feed}?window=7`))).toBe(1);
    expect(await upstreamCount(() => get(feed, {}, "HEAD"))).toBe(1);
  });

  it("after a reported change, every gateway answers the new version (a 304 for the old ETag no more)", async () => {
    const one = await startGateway();
    const two = await startGateway();
    await cached(one);
    await cached(two);
    const old = await get(two);
    calendar.set("changed");
    for (const feed of [one, two]) {
      const fresh = await waitFor(
        async () => {
          const got = await get(feed, { "if-none-match": old.etag as string });
          return got.status === 200 && contentOf(got) === "changed/all" ? got : undefined;
        },
        { what: "the new version through the gateway" },
      );
      expect(fresh.etag).not.toBe(old.etag);
      // From then on this gateway never answers the old version again, from its cache or not.
      await cached(feed);
      expect(contentOf(await get(feed))).toBe("changed/all");
      expect((await get(feed, { "if-none-match": fresh.etag as string })).status).toBe(304);
    }
  });

  it("proxies every request while the subscription is down, and caches again once it is back", async () => {
    const feed = await startGateway({}, { retryMs: 20 });
    await cached(feed);
    calendar.refuse = true;
    calendar.dropStreams();
    // The gateway has noticed the drop (it is trying to subscribe again and is refused)...
    await waitFor(() => calendar.streams.refused >= 1, { what: "a refused resubscription" });
    // ...so a change that was never announced is seen at once, each request asking the calendar service.
    calendar.set("unannounced", { announce: false });
    for (let i = 0; i < 3; i++) {
      let got: Got | undefined;
      expect(await upstreamCount(async () => (got = await get(feed)))).toBe(1);
      expect(contentOf(got as Got)).toBe("unannounced/all");
    }
    calendar.refuse = false;
    await cached(feed);
    expect(contentOf(await get(feed))).toBe("unannounced/all");
  });

  it("cuts a version stream that stays silent, and proxies meanwhile", async () => {
    calendar.silent = true;
    const closed = calendar.streams.closed;
    const feed = await startGateway({}, { idleMs: 200, retryMs: 20 });
    await get(feed); // the first feed request starts the subscription
    await waitFor(() => calendar.streams.closed >= closed + 2, { what: "silent streams cut by the gateway" });
    expect(await upstreamCount(() => get(feed))).toBe(1);
    expect(await upstreamCount(() => get(feed))).toBe(1);
  });

  it("proxies answers bigger than FEED_CACHE_BYTES, and everything when it is 0", async () => {
    const small = await startGateway({ feedCacheBytes: 10 });
    await get(small);
    await waitFor(() => calendar.streams.open >= 1, { what: "the subscription" });
    await get(small);
    for (let i = 0; i < 2; i++) {
      let got: Got | undefined;
      expect(await upstreamCount(async () => (got = await get(small)))).toBe(1);
      expect(contentOf(got as Got)).toBe(`${calendar.content}/all`);
    }
    const opened = calendar.streams.opened;
    const off = await startGateway({ feedCacheBytes: 0 });
    for (let i = 0; i < 2; i++) expect(await upstreamCount(() => get(off))).toBe(1);
    expect(calendar.streams.opened).toBe(opened);
  });
});
