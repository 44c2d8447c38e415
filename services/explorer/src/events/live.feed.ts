/**
 * Wakes the live streams when this process recorded an event. Streams read the table themselves (after their
 * cursor), so a missed wake-up only delays them until their next poll, and events recorded by another
 * explorer process reach them on that poll.
 */
export interface LiveFeed {
  notify(): void;
  /** Resolves at the next notify or after `ms`, whichever comes first. */
  next(ms: number, signal: AbortSignal): Promise<void>;
}

export function createLiveFeed(): LiveFeed {
  let waiters = new Set<() => void>();
  return {
    notify() {
      const woken = waiters;
      waiters = new Set();
      for (const wake of woken) wake();
    },
    next(ms, signal) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done, { once: true });
        waiters.add(done);
      });
    },
  };
}
