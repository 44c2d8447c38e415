import { Router } from "@koa/router";
import { FEED_PATH, FEED_VERSION_HEADER } from "@taskoverflow/contracts";
import { matchesAny, type RequestState } from "@taskoverflow/platform";
import { parseFeedQuery } from "./feed.query.ts";
import type { FeedStore } from "./feed.store.ts";

const CONTENT_TYPE = "text/calendar; charset=utf-8";

/**
 * `GET /api/v1/todos/calendar.ics`: the subscribed feed, from memory (FeedStore), never from the database or
 * the todo service. The ETag is compared before any bytes are assembled; a matching If-None-Match is a 304.
 * Clients that accept gzip get the compressed bytes, made once per content version. If-Modified-Since is not
 * used: Last-Modified has a one-second grain, and two changes within one second would be missed.
 */
export function feedRoutes(store: FeedStore, clock: { now(): Date }): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get(FEED_PATH, async (ctx) => {
    const filters = parseFeedQuery(ctx.query);
    const variant = store.variant(filters, clock.now().getTime());
    // What the gateways' feed caches key their copies by (read in the same tick as the variant: consistent).
    ctx.set(FEED_VERSION_HEADER, store.version);
    const gzip = ctx.acceptsEncodings("gzip", "identity") === "gzip";
    ctx.set("Cache-Control", "no-cache");
    ctx.set("Vary", "Accept-Encoding");
    ctx.set("ETag", gzip ? variant.etagGzip : variant.etag);
    ctx.set("Last-Modified", new Date(variant.lastModifiedMs).toUTCString());
    const inm = ctx.get("If-None-Match");
    if (inm !== "" && matchesAny(inm, [variant.etag, variant.etagGzip])) {
      ctx.status = 304;
      return;
    }
    ctx.type = CONTENT_TYPE;
    ctx.set("Content-Disposition", 'inline; filename="taskoverflow.ics"');
    if (gzip) {
      ctx.set("Content-Encoding", "gzip");
      ctx.body = await variant.gzip();
    } else {
      ctx.body = variant.body();
    }
  });
  return router;
}
