export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1; injected so tests are deterministic. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": attempt 1 waits base/2..base, attempt n waits half of
 * min(max, base * 2^(n-1)) plus a random share of the other half, so retrying instances spread out.
 */
export function backoffDelay(
  attempt: number,
  { baseMs, maxMs, random = Math.random }: BackoffOptions,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * How long a message waiting in process (a `{ retryInMs }` answer) is handed back after: `firstMs` at first, then
 * as long as it has waited so far (so the waits double), at most `maxMs`.
 */
export function inProcessRetryMs(waitedMs: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(firstMs, waitedMs));
}
