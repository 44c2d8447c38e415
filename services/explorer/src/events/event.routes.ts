import { PassThrough } from "node:stream";
import { Router } from "@koa/router";
import { NotFoundError, publicOrigin, type RequestState, ValidationError } from "@taskoverflow/platform";
import { parseEventQuery } from "./event.query.ts";
import type { EventRepository, ExplorerKysely } from "./event.repository.ts";
import type { LiveFeed } from "./live.feed.ts";

export const EXPLORER_PREFIX = "/api/v1/explorer";
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const CORRELATION_MAX_EVENTS = 1_000;
/** A stream re-reads the table at least this often (events another explorer process recorded). */
const STREAM_POLL_MS = 1_000;
/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const STREAM_HEARTBEAT_MS = 15_000;

export interface EventRouteDeps {
  db: ExplorerKysely;
  events: EventRepository;
  feed: LiveFeed;
  publicUrl?: string | undefined;
  /** Aborted when the service stops: open streams end at once, so shutdown does not wait for them. */
  closing?: AbortSignal;
}

/** The recorded events: a page of them, one request's timeline, and the live stream. */
export function eventRoutes({ db, events, feed, publicUrl, closing }: EventRouteDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: EXPLORER_PREFIX });

  router.get("/events", async (ctx) => {
    const q = parseEventQuery(ctx.query);
    const limit = Number(q.limit ?? 50);
    const filter = { type: q.type, correlationId: q.correlationId };
    const page = await events.page(db, filter, { before: q.before, limit });
    const next = page.length === limit ? (page.at(-1)?.seq ?? null) : null;
    if (next !== null) {
      const params = new URLSearchParams({
        ...(q.type ? { type: q.type } : {}),
        ...(q.correlationId ? { correlationId: q.correlationId } : {}),
        limit: String(limit),
        before: next,
      });
      ctx.set("Link", `<${publicOrigin(ctx, publicUrl)}${EXPLORER_PREFIX}/events?${params}>; rel="next"`);
    }
    ctx.set("Cache-Control", "no-store");
    ctx.body = { events: page, next };
  });

  router.get("/correlations/:id", async (ctx) => {
    const id = ctx.params.id ?? "";
    if (!CORRELATION_ID.test(id))
      throw new ValidationError("correlation id must be 1..128 of A-Z a-z 0-9 . _ : -");
    const timeline = await events.correlation(db, id, CORRELATION_MAX_EVENTS);
    if (timeline.length === 0) throw new NotFoundError("Correlation not found", "correlation_not_found");
    ctx.set("Cache-Control", "no-store");
    ctx.body = { correlationId: id, events: timeline };
  });

  router.get("/stream", async (ctx) => {
    const q = parseEventQuery(ctx.query);
    if (q.limit !== undefined || q.before !== undefined)
      throw new ValidationError("stream takes type and correlationId only");
    const filter = { type: q.type, correlationId: q.correlationId };
    // A stream's position is a transaction id (see EventRepository.settled); Last-Event-ID resumes from one.
    const lastEventId = ctx.get("last-event-id");
    let cursor = /^\d{1,20}$/.test(lastEventId) ? lastEventId : await events.streamStart(db);

    const out = new PassThrough();
    const stop = new AbortController();
    ctx.req.once("close", () => stop.abort());
    out.once("close", () => stop.abort());
    closing?.addEventListener("abort", () => stop.abort(), { once: true, signal: stop.signal });
    ctx.status = 200;
    ctx.type = "text/event-stream";
    ctx.set("Cache-Control", "no-store");
    // nginx and similar proxies must pass each message on at once.
    ctx.set("X-Accel-Buffering", "no");
    ctx.body = out;
    out.write(`retry: 2000\n: connected\n\n`);

    const log = ctx.state.log;
    void (async () => {
      let lastWrite = Date.now();
      while (!stop.signal.aborted) {
        const { events: fresh, next } = await events.settled(db, filter, cursor, 200);
        for (const [i, { tx, ...e }] of fresh.entries()) {
          // The id (where a reconnect resumes) only on a transaction's last event: a client cut off inside a
          // received batch gets the whole batch again (the page drops ids it has shown), never loses its rest.
          const id = fresh[i + 1]?.tx === tx ? "" : `id: ${BigInt(tx) + 1n}\n`;
          out.write(`${id}event: recorded\ndata: ${JSON.stringify(e)}\n\n`);
          lastWrite = Date.now();
        }
        cursor = next;
        if (fresh.length === 200) continue;
        if (Date.now() - lastWrite >= STREAM_HEARTBEAT_MS) {
          out.write(": heartbeat\n\n");
          lastWrite = Date.now();
        }
        await feed.next(STREAM_POLL_MS, stop.signal);
      }
    })()
      .catch((err: unknown) => log.warn({ err }, "event stream ended by an error"))
      .finally(() => out.end());
  });

  return router;
}
