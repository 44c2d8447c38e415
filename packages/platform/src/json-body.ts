import type Koa from "koa";
import { koaBody } from "koa-body";
import { AppError } from "./errors.ts";
import type { RequestState } from "./http.ts";

export interface JsonBodyOptions {
  /** Largest body accepted (koa-body answers 413 beyond it). Default "64kb". */
  limit?: string;
  /**
   * true: a body with another Content-Type is a 415 (a request without a body passes: the route's own
   * validation refuses it). false: any other Content-Type is left unparsed, for routes whose body is optional.
   */
  requireJson?: boolean;
}

/** Parses a JSON request body into `ctx.request.body` (anything JSON.parse accepts, the route validates). */
export function jsonBody({
  limit = "64kb",
  requireJson = true,
}: JsonBodyOptions = {}): Koa.Middleware<RequestState>[] {
  const parse = koaBody({
    json: true,
    jsonStrict: false,
    jsonTypes: ["application/json"],
    jsonLimit: limit,
    urlencoded: false,
    text: false,
    multipart: false,
  }) as unknown as Koa.Middleware<RequestState>;
  if (!requireJson) return [parse];
  const requireJsonType: Koa.Middleware<RequestState> = async (ctx, next) => {
    // ctx.is() is null when the request has no body.
    if (ctx.is("application/json") === false) {
      throw new AppError(415, "unsupported_media_type", "Content-Type must be application/json");
    }
    await next();
  };
  return [requireJsonType, parse];
}
