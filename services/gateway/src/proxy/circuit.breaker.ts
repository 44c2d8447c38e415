/**
 * A consecutive-failure circuit per backend. After `failureThreshold` connection failures in a row the
 * circuit opens and the gateway answers 503 at once for `openMs`, instead of queueing clients behind a
 * dead backend. When that time is up requests pass again; one more failure reopens it, one success closes it.
 * Time comes from the caller, so tests need no clock.
 */
export interface CircuitOptions {
  failureThreshold: number;
  openMs: number;
}

export interface CircuitBreaker {
  /** True when a request may go to the backend at `now` (ms). */
  allows(now: number): boolean;
  recordSuccess(): void;
  recordFailure(now: number): void;
  /** Milliseconds until the circuit lets requests through again (0 when closed). */
  retryAfterMs(now: number): number;
}

export function createCircuitBreaker({ failureThreshold, openMs }: CircuitOptions): CircuitBreaker {
  let failures = 0;
  let openUntil = 0;
  return {
    allows: (now) => now >= openUntil,
    recordSuccess() {
      failures = 0;
      openUntil = 0;
    },
    recordFailure(now) {
      failures += 1;
      if (failures >= failureThreshold) openUntil = now + openMs;
    },
    retryAfterMs: (now) => Math.max(0, openUntil - now),
  };
}
