import Router from "@koa/router";
import { HEALTH_PATH, type RequestState } from "@taskoverflow/platform";
import type { UpstreamName } from "../config.ts";
import type { Upstream } from "../proxy/upstream.pool.ts";

export type BackendState = "ok" | "down";

/**
 * Backends the product works without: the event explorer is a learning tool beside the todo flow, so its outage
 * is reported (`degraded`) but does not make the gateway unready.
 */
export const OPTIONAL_BACKENDS: ReadonlySet<UpstreamName> = new Set(["explorer"]);

/**
 * `GET /api/v1/ready` asks every backend's own health route, in parallel and with a short timeout, and says which
 * one is down: 503 when a backend the todo flow needs is down, 200 `degraded` when only optional ones are.
 * Liveness (`GET /api/v1/health`) is the shared `healthRoute()`, registered before this router.
 */
export function healthRoutes(
  upstreams: Record<UpstreamName, Upstream>,
  timeoutMs: number,
): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get("/api/v1/ready", async (ctx) => {
    const backends = await checkBackends(Object.values(upstreams), timeoutMs);
    const down = (Object.keys(backends) as UpstreamName[]).filter((name) => backends[name] === "down");
    const needed = down.filter((name) => !OPTIONAL_BACKENDS.has(name));
    ctx.set("Cache-Control", "no-store");
    if (down.length === 0) {
      ctx.body = { status: "ok", backends };
    } else if (needed.length === 0) {
      ctx.body = { status: "degraded", error: `Optional backend unavailable: ${down.join(", ")}`, backends };
    } else {
      ctx.status = 503;
      ctx.body = { status: "unavailable", error: `Backend unavailable: ${needed.join(", ")}`, backends };
    }
  });
  return router;
}

/** One probe per origin (names sharing a service share its answer). */
export async function checkBackends(
  upstreams: Upstream[],
  timeoutMs: number,
): Promise<Record<string, BackendState>> {
  const probes = new Map<string, Promise<BackendState>>();
  for (const u of upstreams) {
    if (!probes.has(u.origin)) probes.set(u.origin, probe(u, timeoutMs));
  }
  const result: Record<string, BackendState> = {};
  for (const u of upstreams) result[u.name] = await (probes.get(u.origin) as Promise<BackendState>);
  return result;
}

async function probe(upstream: Upstream, timeoutMs: number): Promise<BackendState> {
  try {
    const res = await upstream.pool.request({
      method: "GET",
      path: HEALTH_PATH,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode === 200 ? "ok" : "down";
  } catch {
    return "down";
  }
}
