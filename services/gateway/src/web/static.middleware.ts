import type { RequestState } from "@taskoverflow/platform";
import type Koa from "koa";
import send from "koa-send";

/**
 * The web UI: plain files from `root`. `/` is index.html. koa-send refuses paths that leave the root and
 * hidden files. The files are not fingerprinted, so browsers revalidate every time (`no-cache` +
 * Last-Modified, answered with 304) rather than keep a stale app.js after an upgrade.
 * A missing file falls through to the JSON 404.
 */
export function staticMiddleware(root: string): Koa.Middleware<RequestState> {
  return async (ctx, next) => {
    if ((ctx.method !== "GET" && ctx.method !== "HEAD") || ctx.path.startsWith("/api/")) return next();
    let served: string;
    try {
      served = await send(ctx, ctx.path, {
        root,
        index: "index.html",
        gzip: false,
        brotli: false,
        setHeaders: (res) => {
          res.setHeader("Cache-Control", "no-cache");
          res.setHeader("X-Content-Type-Options", "nosniff");
          res.setHeader("Referrer-Policy", "no-referrer");
          res.setHeader("Content-Security-Policy", contentSecurityPolicy);
        },
      });
    } catch (err) {
      if ((err as { status?: unknown }).status === 404) return next();
      throw err;
    }
    if (!served) return next();
    if (ctx.fresh) {
      ctx.status = 304;
      ctx.body = null;
    }
  };
}

/** Same-origin only: the page loads nothing from elsewhere (there is no internet where it runs). */
const contentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");
