import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

// What Koa's ctx.host, ctx.protocol and ctx.ip say (koa/lib/request.js, with `proxy: trustProxy` and
// `maxIpsCount: 1`), read straight from the request for the lean proxy path. gateway.lean.int.test.ts checks
// that both paths tell a backend the same.

const first = (value: string) => value.split(",", 1)[0]?.trim() ?? "";

/** The host the client asked for: X-Forwarded-Host's first entry behind a trusted proxy, else Host. */
export function requestHost(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headers["x-forwarded-host"] : undefined;
  let host = typeof forwarded === "string" && forwarded !== "" ? forwarded : req.headers.host;
  if (host === undefined || host === "") return "";
  host = first(host);
  // Userinfo ("user@host") is not part of a host: the URL parser drops it, as Koa does.
  if (host.includes("@")) {
    try {
      return new URL(`http://${host}`).host;
    } catch {
      return "";
    }
  }
  return host;
}

/** `https` on TLS; behind a trusted proxy X-Forwarded-Proto's first entry; else `http`. */
export function requestProtocol(req: IncomingMessage, trustProxy: boolean): string {
  if ((req.socket as TLSSocket).encrypted) return "https";
  if (!trustProxy) return "http";
  const proto = req.headers["x-forwarded-proto"];
  return typeof proto === "string" && proto !== "" ? first(proto) : "http";
}

/** The client: behind a trusted proxy the last X-Forwarded-For entry (the one it appended), else the peer. */
export function requestIp(req: IncomingMessage, trustProxy: boolean): string {
  const chain = trustProxy ? req.headers["x-forwarded-for"] : undefined;
  const last = typeof chain === "string" && chain !== "" ? chain.split(",").at(-1)?.trim() : undefined;
  return last || req.socket.remoteAddress || "";
}
