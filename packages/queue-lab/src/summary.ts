import { createColors } from "picocolors";
import { parseBody, UNKNOWN_CLIENT } from "./message.ts";

/** One message as the receiver saw it. */
export interface Delivery {
  /** The `client` message attribute; undefined when the message had none. */
  client: string | undefined;
  body: string;
}

/** What one sender's messages looked like from this receiver. */
export interface SenderSummary {
  /** The `client` attribute, or "(unknown)". */
  client: string;
  /** The sender's `--prepend` text: a re-run with another prepend is another sender. */
  prepend: string;
  /** Deliveries, duplicates included. */
  received: number;
  /** Distinct message indices received. */
  distinct: number;
  /** First deliveries of an index lower than one already received from this sender. */
  outOfOrder: number;
  /** Deliveries of an index already received (each extra copy counts once). */
  duplicates: number;
  /** Indices never received, out of 0..max(expected - 1, highest received). */
  missing: number[];
  /** Bodies that are not `"{prepend}Message {i}"`; they have no place in the order. */
  unparsed: number;
}

export interface Summary {
  received: number;
  senders: SenderSummary[];
}

interface SenderState {
  client: string;
  prepend: string;
  received: number;
  seen: Set<number>;
  highest: number;
  outOfOrder: number;
  duplicates: number;
  unparsed: number;
}

/**
 * Counts deliveries as they arrive. `expectedPerSender` is how many messages each sender sent (`--count`),
 * so losses at the tail show up as missing too.
 */
export function createTally(expectedPerSender: number) {
  const senders = new Map<string, SenderState>();
  let received = 0;

  const stateFor = (client: string, prepend: string): SenderState => {
    const key = JSON.stringify([client, prepend]);
    let state = senders.get(key);
    if (!state) {
      state = {
        client,
        prepend,
        received: 0,
        seen: new Set(),
        highest: -1,
        outOfOrder: 0,
        duplicates: 0,
        unparsed: 0,
      };
      senders.set(key, state);
    }
    return state;
  };

  return {
    record(delivery: Delivery): void {
      received += 1;
      const parsed = parseBody(delivery.body);
      const state = stateFor(delivery.client ?? UNKNOWN_CLIENT, parsed?.prefix ?? "");
      state.received += 1;
      if (!parsed) {
        state.unparsed += 1;
        return;
      }
      if (state.seen.has(parsed.index)) {
        state.duplicates += 1;
        return;
      }
      if (parsed.index < state.highest) state.outOfOrder += 1;
      state.seen.add(parsed.index);
      state.highest = Math.max(state.highest, parsed.index);
    },

    summary(): Summary {
      const list = [...senders.values()].map((s): SenderSummary => {
        const missing: number[] = [];
        // A sender we only know from unparsed bodies has no numbered series to be missing from.
        if (s.seen.size > 0) {
          const last = Math.max(expectedPerSender - 1, s.highest);
          for (let i = 0; i <= last; i++) if (!s.seen.has(i)) missing.push(i);
        }
        return {
          client: s.client,
          prepend: s.prepend,
          received: s.received,
          distinct: s.seen.size,
          outOfOrder: s.outOfOrder,
          duplicates: s.duplicates,
          missing,
          unparsed: s.unparsed,
        };
      });
      list.sort((a, b) => a.client.localeCompare(b.client) || a.prepend.localeCompare(b.prepend));
      return { received, senders: list };
    },
  };
}

export type Tally = ReturnType<typeof createTally>;

/** Sorted indices as ranges: [1, 2, 3, 7, 9, 10] -> "1-3, 7, 9-10". */
export function formatRanges(indices: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < indices.length) {
    const start = indices[i] as number;
    let end = start;
    while (i + 1 < indices.length && indices[i + 1] === end + 1) end = indices[++i] as number;
    parts.push(start === end ? String(start) : `${start}-${end}`);
    i++;
  }
  return parts.join(", ");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The human-readable report printed when the receiver stops. */
export function formatSummary(summary: Summary, color: boolean): string {
  const c = createColors(color);
  const lines = [
    c.bold(
      `Summary: ${plural(summary.received, "message")} received from ${plural(summary.senders.length, "sender")}`,
    ),
  ];
  for (const s of summary.senders) {
    const who = s.prepend === "" ? s.client : `${s.client} (prepend ${JSON.stringify(s.prepend)})`;
    const flag = (n: number, text: string) => (n > 0 ? c.red(text) : c.green(text));
    const parts = [
      `${s.received} received`,
      flag(s.outOfOrder, `${s.outOfOrder} out of order`),
      flag(s.duplicates, plural(s.duplicates, "duplicate")),
      s.missing.length === 0
        ? c.green("none missing")
        : c.red(`${s.missing.length} missing (${formatRanges(s.missing)})`),
    ];
    if (s.unparsed > 0) parts.push(c.yellow(`${s.unparsed} not "Message N"`));
    lines.push(`  ${who}: ${parts.join(", ")}`);
  }
  return lines.join("\n");
}
