import Router from "@koa/router";
import { HEALTH_PATH, type RequestState } from "@taskoverflow/platform";
import type { UpstreamName } from "../config.ts";
import type { Upstream } from "../proxy/upstream.pool.ts";

export type BackendState = "ok" | "down";

/**
 * `GET /api/v1/ready` asks every backend's own health route, in parallel and with a short timeout, and says which
 * one is down. Liveness (`GET /api/v1/health`) is the shared `healthRoute()`, registered before this router.
 */
export function healthRoutes(
  upstreams: Record<UpstreamName, Upstream>,
  timeoutMs: number,
): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get("/api/v1/ready", async (ctx) => {
    const backends = await checkBackends(Object.values(upstreams), timeoutMs);
    const down = Object.entries(backends)
      .filter(([, state]) => state === "down")
      .map(([name]) => name);
    ctx.set("Cache-Control", "no-store");
    if (down.length === 0) {
      ctx.body = { status: "ok", backends };
    } else {
      ctx.status = 503;
      ctx.body = { status: "unavailable", error: `Backend unavailable: ${down.join(", ")}`, backends };
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
