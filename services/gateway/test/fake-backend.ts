import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough, Readable } from "node:stream";
import Koa from "koa";

/** What a backend received: enough to check that the gateway forwards faithfully. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeBackend {
  name: string;
  url: string;
  received: ReceivedRequest[];
  /** While false, `/api/v1/health` answers 503. */
  healthy: boolean;
  /** Slow requests whose caller (the gateway) hung up before the answer. */
  readonly abandoned: number;
  /** Lets every request parked on `/api/v1/todos/slow` finish (so the server can close). */
  releaseSlow(): void;
  /** `GET .../events` streams, written by the test: open ones and how many the gateway has closed. */
  readonly streams: { open: number; closed: number; send(text: string): void; end(): void };
  close(): Promise<void>;
}

/**
 * A real HTTP peer for the gateway: a Koa app that records each request and answers like the services do.
 * `/api/v1/todos/slow` never answers until released, to provoke the gateway's timeout.
 */
export async function startFakeBackend(name: string): Promise<FakeBackend> {
  const received: ReceivedRequest[] = [];
  let release: () => void = () => {};
  const slow = new Promise<void>((resolve) => {
    release = resolve;
  });
  const state = { healthy: true, abandoned: 0 };
  const open = new Set<PassThrough>();
  const streams = {
    open: 0,
    closed: 0,
    send: (text: string) => {
      for (const s of open) s.write(text);
    },
    end: () => {
      for (const s of open) s.end();
    },
  };
  const app = new Koa();
  // A stream the gateway closes (its client left) ends as a "premature close": expected here, not noise.
  app.silent = true;
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (ctx.path === "/api/v1/health") {
      ctx.status = state.healthy ? 200 : 503;
      ctx.body = { status: state.healthy ? "ok" : "unavailable" };
      return;
    }
    received.push({ method: ctx.method, url: ctx.url, headers: ctx.req.headers, body });
    if (ctx.path === "/api/v1/todos/slow") {
      ctx.res.once("close", () => {
        if (!ctx.res.writableFinished) state.abandoned += 1;
      });
      await slow;
      ctx.body = { late: true };
      return;
    }
    if (ctx.path.endsWith("/events")) {
      // Like job-status: headers and a first line at once, then whatever the test sends, never a length.
      const body = new PassThrough();
      open.add(body);
      streams.open = open.size;
      ctx.res.once("close", () => {
        open.delete(body);
        streams.open = open.size;
        streams.closed += 1;
      });
      ctx.type = "text/event-stream; charset=utf-8";
      ctx.set("Cache-Control", "no-store");
      ctx.body = body;
      body.write("retry: 2000\n\n");
      return;
    }
    if (ctx.path === "/api/v1/todos/404") {
      ctx.status = 404;
      ctx.body = { error: "Todo not found" };
      return;
    }
    if (ctx.path === "/api/v1/todos/ical/big/result") {
      // 3 MiB in 48 chunks of unknown total length: the gateway must stream it, not buffer it.
      ctx.type = "text/calendar";
      ctx.body = Readable.from(
        (function* () {
          for (let i = 0; i < 48; i++) yield Buffer.alloc(65_536, 0x41 + (i % 26));
        })(),
      );
      return;
    }
    if (ctx.path.endsWith("/result")) {
      ctx.type = "text/calendar; charset=utf-8";
      ctx.set("Content-Disposition", 'attachment; filename="todos.ics"');
      ctx.body = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
      return;
    }
    if (ctx.method === "POST") {
      ctx.status = 201;
      ctx.set("Location", "/api/v1/todos/1");
    }
    ctx.set("X-Internal-Secret", "must-not-leak");
    ctx.body = { backend: name, method: ctx.method, url: ctx.url, body };
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    received,
    get healthy() {
      return state.healthy;
    },
    set healthy(value: boolean) {
      state.healthy = value;
    },
    get abandoned() {
      return state.abandoned;
    },
    releaseSlow: () => release(),
    streams,
    close: () =>
      new Promise<void>((resolve) => {
        release();
        streams.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
