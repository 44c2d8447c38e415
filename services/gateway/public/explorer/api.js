// @ts-check
// The explorer's API under /api/v1/explorer on the same origin, with the bearer token when one was given.

export const explorerPath = "/api/v1/explorer";
const TOKEN_KEY = "taskoverflow.explorer.token";

/**
 * @typedef {{ seq: string, id: string, type: string, version: number, producer: string, sequence: number | null,
 *   correlationId: string, occurredAt: string, recordedAt: string, payloadSummary: string, payloadBytes: number,
 *   payloadTruncated: boolean, routedTo: string[] }} RecordedEvent
 * @typedef {{ visible: number, inFlight: number, delayed: number } | null} Counts
 * @typedef {{ key: string, name: string, description: string, filterPolicy: { type: string[] } | null,
 *   maxReceiveCount: number, counts: Counts, deadLetter: { name: string, counts: Counts }, error?: string }} QueueView
 * @typedef {{ messageId: string, receiveCount: number, sentAt: string | null, type: string | null, body: string,
 *   bodyBytes: number }} DeadLetter
 */

/** Raised on a 401: the page asks for the token. */
export class Unauthorized extends Error {}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? "",
  /** @param {string} value */
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
};

/** @returns {Record<string, string>} */
function headers() {
  const t = token.get();
  return t === ""
    ? { accept: "application/json" }
    : { accept: "application/json", authorization: `Bearer ${t}` };
}

/**
 * @param {string} method
 * @param {string} path under /api/v1/explorer
 * @returns {Promise<any>}
 */
export async function call(method, path) {
  let res;
  try {
    res = await fetch(`${explorerPath}${path}`, { method, headers: headers() });
  } catch {
    throw new Error("Cannot reach the server.");
  }
  const data = await res.json().catch(() => null);
  if (res.status === 401) throw new Unauthorized(data?.error ?? "Unauthorized");
  if (!res.ok)
    throw new Error(data && typeof data.error === "string" ? data.error : `Request failed (${res.status})`);
  return data;
}

/**
 * Follows the Server-Sent Events stream with fetch (EventSource cannot send a bearer token), resuming after the
 * last event on a reconnect. Returns a function that stops it.
 * @param {(event: RecordedEvent) => void} onEvent
 * @param {(state: "live" | "reconnecting" | "unauthorized") => void} onState
 */
export function follow(onEvent, onState) {
  const stop = new AbortController();
  /** @type {string | undefined} */
  let lastId;
  const run = async () => {
    while (!stop.signal.aborted) {
      try {
        /** @type {Record<string, string>} */
        const h = { ...headers(), accept: "text/event-stream" };
        if (lastId !== undefined) h["last-event-id"] = lastId;
        const res = await fetch(`${explorerPath}/stream`, { headers: h, signal: stop.signal });
        if (res.status === 401) {
          onState("unauthorized");
          return;
        }
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        onState("live");
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const message = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf("\n\n");
            /** @type {Record<string, string>} */
            const fields = {};
            for (const line of message.split("\n")) {
              const colon = line.indexOf(":");
              if (colon <= 0) continue;
              fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
            }
            if (fields.event === "recorded" && fields.data !== undefined) {
              lastId = fields.id ?? lastId;
              onEvent(JSON.parse(fields.data));
            }
          }
        }
      } catch {
        if (stop.signal.aborted) return;
      }
      onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  void run();
  return () => stop.abort();
}
