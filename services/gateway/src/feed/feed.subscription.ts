import { FEED_VERSION_PATH } from "@taskoverflow/contracts";
import type { Logger } from "@taskoverflow/platform";
import type { Dispatcher } from "undici";

export interface FeedVersionSubscription {
  /** The version the calendar service reported last on a live stream; undefined while not subscribed. */
  readonly current: string | undefined;
  /** Called with every reported version, and with undefined whenever the subscription is lost. */
  onChange(listener: (version: string | undefined) => void): void;
  stop(): Promise<void>;
}

export interface SubscriptionOptions {
  /** The calendar upstream's stream pool (no socket cap, an idle limit only). */
  pool: Dispatcher;
  log: Logger;
  /** Silence (the calendar service beats every 5 s) after which the stream counts as dead and is cut. */
  idleMs?: number;
  /** First wait before reconnecting; doubled per failure up to 10 s. */
  retryMs?: number;
}

/**
 * Follows the calendar service's feed version over one long-lived Server-Sent Events stream, reconnecting
 * when it drops. `current` is set from each `data:` line and cleared (synchronously, before any reconnect) the
 * moment the stream ends, fails, answers anything but an event stream, or stays silent for `idleMs`: a cache
 * that serves only while `current` matches never serves past a version change it could have missed.
 */
export function subscribeFeedVersion({
  pool,
  log,
  idleMs = 15_000,
  retryMs = 500,
}: SubscriptionOptions): FeedVersionSubscription {
  let current: string | undefined;
  let stopped = false;
  let abort: AbortController | undefined;
  let wakeRetry: (() => void) | undefined;
  const listeners: Array<(version: string | undefined) => void> = [];
  const set = (version: string | undefined) => {
    if (version === current) return;
    current = version;
    for (const l of listeners) l(version);
  };

  /** Resolves when the stream ends; `onOpen` once the calendar service answered with an event stream. */
  async function follow(controller: AbortController, onOpen: () => void): Promise<void> {
    // Armed before the request: a stream whose headers never come is as dead as one that went quiet.
    const silent = () => controller.abort(new Error("feed version stream silent"));
    let idle = setTimeout(silent, idleMs);
    try {
      const res = await pool.request({
        method: "GET",
        path: FEED_VERSION_PATH,
        headers: { accept: "text/event-stream" },
        signal: controller.signal,
      });
      const type = String(res.headers["content-type"] ?? "");
      if (res.statusCode !== 200 || !type.startsWith("text/event-stream")) {
        await res.body.dump();
        throw new Error(`feed version stream answered ${res.statusCode} ${type}`);
      }
      onOpen();
      let pending = "";
      for await (const chunk of res.body) {
        clearTimeout(idle);
        idle = setTimeout(silent, idleMs);
        pending += (chunk as Buffer).toString("utf8");
        for (let end = pending.indexOf("\n\n"); end !== -1; end = pending.indexOf("\n\n")) {
          const frame = pending.slice(0, end);
          pending = pending.slice(end + 2);
          for (const line of frame.split("\n")) if (line.startsWith("data: ")) set(line.slice(6));
        }
      }
    } finally {
      clearTimeout(idle);
    }
  }

  const loop = (async () => {
    let wait = retryMs;
    while (!stopped) {
      const controller = new AbortController();
      abort = controller;
      let opened = false;
      try {
        await follow(controller, () => {
          opened = true;
        });
        log.info("feed version stream ended; reconnecting");
      } catch (err) {
        if (stopped) break;
        // A calendar service that is not up yet (or predates the stream) is retried quietly.
        log[opened ? "info" : "debug"]({ err }, "feed version stream lost; the feed is proxied meanwhile");
      } finally {
        set(undefined);
      }
      if (stopped) break;
      if (opened) wait = retryMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wakeRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wait = Math.min(wait * 2, 10_000);
    }
  })();

  return {
    get current() {
      return current;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async stop() {
      stopped = true;
      abort?.abort();
      wakeRetry?.();
      await loop;
    },
  };
}
