import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import Koa from "koa";

/**
 * A real HTTP peer that answers the feed and its version stream the way the calendar service does
 * (services/calendar/src/feed/feed.routes.ts and feed.version.ts), with the state in the test's hands: the
 * content and version, when the version is announced, whether streams are refused or silent.
 */
export interface FakeCalendar {
  url: string;
  /** The content the feed shows now. */
  readonly content: string;
  /** Feed requests received (GET and HEAD of /api/v1/todos/calendar.ics). */
  readonly feedRequests: number;
  /** Version streams: open now, opened in all, refused (while `refuse`). */
  readonly streams: { open: number; opened: number; refused: number; closed: number };
  /** Sets the content; `announce` (default) sends the new version on every open stream. */
  set(content: string, options?: { announce?: boolean }): void;
  /** While true, the version stream answers 503. */
  refuse: boolean;
  /** While true, a new version stream answers its headers and then nothing (no version, no heartbeat). */
  silent: boolean;
  /** Ends every open version stream. */
  dropStreams(): void;
  close(): Promise<void>;
}

export async function startFakeCalendar(): Promise<FakeCalendar> {
  const state = { content: "initial", version: 1, feedRequests: 0, refuse: false, silent: false };
  const open = new Set<PassThrough>();
  const streams = { open: 0, opened: 0, refused: 0, closed: 0 };
  const token = () => `v${state.version}`;
  const etag = () => `"etag-${state.version}"`;
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx) => {
    if (ctx.path === "/internal/feed/version") {
      if (state.refuse) {
        streams.refused++;
        ctx.status = 503;
        ctx.body = { error: "Service unavailable" };
        return;
      }
      const body = new PassThrough();
      open.add(body);
      streams.opened++;
      streams.open = open.size;
      ctx.res.once("close", () => {
        open.delete(body);
        streams.open = open.size;
        streams.closed++;
      });
      ctx.type = "text/event-stream; charset=utf-8";
      ctx.body = body;
      if (!state.silent) body.write(`retry: 1000\n\ndata: ${token()}\n\n`);
      return;
    }
    if (ctx.path !== "/api/v1/todos/calendar.ics") {
      ctx.status = 404;
      return;
    }
    state.feedRequests++;
    const gzip = ctx.acceptsEncodings("gzip", "identity") === "gzip";
    const tag = gzip ? etag().replace(/"$/, '-gzip"') : etag();
    const filter = ctx.query.completed ?? "all";
    ctx.set("Cache-Control", "no-cache");
    ctx.set("Vary", "Accept-Encoding");
    ctx.set("ETag", tag);
    ctx.set("Last-Modified", new Date(Date.UTC(2030, 0, 1) + state.version * 1000).toUTCString());
    ctx.set("X-Feed-Version", token());
    if (ctx.get("If-None-Match") === tag) {
      ctx.status = 304;
      return;
    }
    ctx.type = "text/calendar; charset=utf-8";
    const text = Buffer.from(`BEGIN:VCALENDAR\r\nX-CONTENT:${state.content}/${filter}\r\nEND:VCALENDAR\r\n`);
    if (gzip) {
      ctx.set("Content-Encoding", "gzip");
      ctx.body = gzipSync(text);
    } else ctx.body = text;
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get content() {
      return state.content;
    },
    get feedRequests() {
      return state.feedRequests;
    },
    streams,
    set(content, { announce = true } = {}) {
      state.content = content;
      state.version++;
      if (announce) for (const s of open) s.write(`data: ${token()}\n\n`);
    },
    get refuse() {
      return state.refuse;
    },
    set refuse(value: boolean) {
      state.refuse = value;
    },
    get silent() {
      return state.silent;
    },
    set silent(value: boolean) {
      state.silent = value;
    },
    dropStreams: () => {
      for (const s of open) s.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
