import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "@taskoverflow/contracts/openapi";
import type { RequestState } from "@taskoverflow/platform";
import type Koa from "koa";

const ownDir = fileURLToPath(new URL("../../docs", import.meta.url));
const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** The only files served under /docs/: ours, and the two Swagger UI needs from its npm package. */
const files: Record<string, { path: string; type: string }> = {
  "": { path: join(ownDir, "index.html"), type: "text/html; charset=utf-8" },
  "init.js": { path: join(ownDir, "init.js"), type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { path: join(swaggerDir, "swagger-ui.css"), type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": {
    path: join(swaggerDir, "swagger-ui-bundle.js"),
    type: "text/javascript; charset=utf-8",
  },
};

/** Same origin only; Swagger UI sets inline style attributes, so styles may be inline (scripts may not). */
export const docsContentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, generated once at start from the contracts' zod schemas.
 * `GET /docs/`: a page that renders it with Swagger UI from local files.
 */
export function docsMiddleware(): Koa.Middleware<RequestState> {
  const document = JSON.stringify(openApiDocument());
  // Exact names only, so no path can reach another file.
  return async (ctx, next) => {
    if (ctx.method !== "GET" && ctx.method !== "HEAD") return next();
    if (ctx.path === "/api/v1/openapi.json") {
      ctx.set("Cache-Control", "no-cache");
      ctx.type = "application/json";
      ctx.body = document;
      return;
    }
    if (ctx.path === "/docs") return ctx.redirect("/docs/");
    if (!ctx.path.startsWith("/docs/")) return next();
    const file = files[ctx.path.slice("/docs/".length)];
    if (file === undefined) return next();
    const info = await stat(file.path);
    ctx.set("Cache-Control", "no-cache");
    ctx.set("Content-Security-Policy", docsContentSecurityPolicy);
    ctx.set("Referrer-Policy", "no-referrer");
    ctx.type = file.type;
    ctx.length = info.size;
    ctx.body = ctx.method === "HEAD" ? null : createReadStream(file.path);
  };
}
