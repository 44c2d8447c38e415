import type { Logger } from "@taskoverflow/platform";
import pg from "pg";
import type { OutboxWakeSource } from "./outbox.relay.ts";

/**
 * LISTEN outbox on a dedicated PostgreSQL connection (each relay NOTIFYs, debounced and after commit, when its
 * instance committed outbox rows), so a relay in any
 * instance wakes when any instance commits. Reconnects after a lost connection; the relay's fallback poll
 * covers the gap. Not for PGlite: there the service calls `relay.wake()` after its commit.
 */
export function pgOutboxWakeSource({
  connectionString,
  log,
  reconnectMs = 1000,
  channel = "outbox",
}: {
  connectionString: string;
  log: Logger;
  reconnectMs?: number;
  /** The NOTIFY channel (`outbox` for the relays; the calendar feed uses its own). */
  channel?: string;
}): OutboxWakeSource {
  return {
    async subscribe(onWake) {
      let client: pg.Client | undefined;
      let closed = false;
      let timer: NodeJS.Timeout | undefined;
      const connect = async (): Promise<void> => {
        const c = new pg.Client({ connectionString });
        c.on("notification", (n) => onWake(n.payload));
        c.on("error", (err) => {
          log.warn({ err: err.message, channel }, "LISTEN connection lost; reconnecting");
          void c.end().catch(() => {});
          if (!closed) timer = setTimeout(() => void connect().catch(retry), reconnectMs);
        });
        await c.connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        client = c;
        onWake(); // whatever committed while we were not listening
      };
      const retry = (err: Error) => {
        log.warn({ err: err.message, channel }, "LISTEN failed; retrying");
        if (!closed) timer = setTimeout(() => void connect().catch(retry), reconnectMs);
      };
      await connect();
      return async () => {
        closed = true;
        clearTimeout(timer);
        await client?.end().catch(() => {});
      };
    },
  };
}
