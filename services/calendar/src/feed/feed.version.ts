// The feed's version as Server-Sent Events, for the gateways' feed caches (services/gateway/src/feed/): an
// internal route (the gateway's table has no rule for it, so no client reaches it through the gateway). Each
// event's `data:` is the store's version token, sent at once on connect and again every time the store's
// content or Last-Modified changes (FeedStore.onChange, driven by the refresher: this instance's projector,
// other instances' NOTIFY calendar_feed, and the safety poll). A comment line every `heartbeatMs` lets a
// subscriber tell a quiet stream from a dead one.
import { PassThrough } from "node:stream";
import { Router } from "@koa/router";
import { FEED_VERSION_PATH } from "@taskoverflow/contracts";
import type { RequestState } from "@taskoverflow/platform";

export interface VersionSource {
  readonly version: string;
  onChange(listener: () => void): () => void;
}

export function feedVersionRoutes(source: VersionSource, { heartbeatMs = 5_000 } = {}) {
  const streams = new Set<PassThrough>();
  const router = new Router<RequestState>();
  router.get(FEED_VERSION_PATH, (ctx) => {
    const body = new PassThrough();
    streams.add(body);
    let last = "";
    const send = () => {
      const version = source.version;
      if (version === last || body.writableEnded) return;
      last = version;
      body.write(`data: ${version}\n\n`);
    };
    const unsubscribe = source.onChange(send);
    const heartbeat = setInterval(() => {
      if (!body.writableEnded) body.write(": ping\n\n");
    }, heartbeatMs);
    heartbeat.unref();
    body.once("close", () => {
      streams.delete(body);
      unsubscribe();
      clearInterval(heartbeat);
    });
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setTimeout(0);
    ctx.status = 200;
    ctx.type = "text/event-stream; charset=utf-8";
    ctx.set("Cache-Control", "no-store");
    ctx.set("X-Accel-Buffering", "no");
    ctx.body = body;
    body.write("retry: 1000\n\n");
    send();
  });
  return {
    router,
    /** Ends every open stream (the server waits for open answers); subscribers reconnect elsewhere. */
    close(): void {
      for (const s of streams) s.end();
    },
    openStreams: () => streams.size,
  };
}
