import { createHash, timingSafeEqual } from "node:crypto";
import { AppError, type RequestState } from "@taskoverflow/platform";
import type Koa from "koa";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * With a token configured, every request needs `Authorization: Bearer <token>`: 401 JSON otherwise. Digests of
 * equal length are compared in constant time, so neither the token's content nor its length leaks by timing.
 * Without a token (npm start, on localhost) it lets everything through.
 */
export function tokenMiddleware(token: string | undefined): Koa.Middleware<RequestState> {
  if (token === undefined) return (_ctx, next) => next();
  const expected = digest(token);
  return async (ctx, next) => {
    const header = ctx.get("authorization");
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1] as string), expected)) {
      ctx.set("WWW-Authenticate", 'Bearer realm="explorer"');
      throw new AppError(401, "unauthorized", "Missing or wrong bearer token");
    }
    await next();
  };
}
