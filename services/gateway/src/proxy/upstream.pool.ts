import { Pool } from "undici";
import type { UpstreamName } from "../config.ts";
import { type CircuitBreaker, type CircuitOptions, createCircuitBreaker } from "./circuit.breaker.ts";

/** One backend: a keep-alive connection pool to its origin and its circuit. */
export interface Upstream {
  name: UpstreamName;
  origin: string;
  pool: Pool;
  /**
   * Long-lived answers (event streams): a pool of their own, so open streams never take the sockets that
   * ordinary requests queue for, with no cap on sockets and a body timeout that is an idle limit only.
   */
  streamPool: Pool;
  circuit: CircuitBreaker;
}

export interface UpstreamOptions {
  timeoutMs: number;
  /** Longest pause between two chunks of an event stream. */
  streamIdleTimeoutMs?: number;
  circuit: CircuitOptions;
  /** Most sockets to one backend; requests beyond it queue in the pool. */
  connections?: number;
}

/**
 * A pool per distinct origin: two route targets on the same service (todo and calendarExport today)
 * share sockets. Each name keeps its own circuit so the 503 message names what the client asked for.
 */
export function createUpstreams(
  urls: Record<UpstreamName, string>,
  { timeoutMs, streamIdleTimeoutMs = 60_000, circuit, connections = 128 }: UpstreamOptions,
): { upstreams: Record<UpstreamName, Upstream>; close(): Promise<void> } {
  const pools = new Map<string, Pool>();
  const streamPools = new Map<string, Pool>();
  const streamPoolFor = (origin: string): Pool => {
    let pool = streamPools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: timeoutMs,
        bodyTimeout: streamIdleTimeoutMs,
        connectTimeout: Math.min(timeoutMs, 5_000),
      });
      streamPools.set(origin, pool);
    }
    return pool;
  };
  const poolFor = (url: string): [string, Pool] => {
    const origin = new URL(url).origin;
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connectTimeout: Math.min(timeoutMs, 5_000),
      });
      pools.set(origin, pool);
    }
    return [origin, pool];
  };
  const make = (name: UpstreamName): Upstream => {
    const [origin, pool] = poolFor(urls[name]);
    return { name, origin, pool, streamPool: streamPoolFor(origin), circuit: createCircuitBreaker(circuit) };
  };
  return {
    upstreams: {
      todo: make("todo"),
      calendarExport: make("calendarExport"),
      jobStatus: make("jobStatus"),
      calendar: make("calendar"),
      explorer: make("explorer"),
    },
    close: async () => {
      // Open streams would hold close() until they end; they are cut (their clients reconnect).
      await Promise.all([...streamPools.values()].map((p) => p.destroy()));
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}
