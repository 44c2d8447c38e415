// A Server-Sent Events reader for tests: what arrives, in order, as it arrives (the browser's EventSource
// hides comments and reconnects by itself; a test needs to see both, and the moment each line comes).

export type SseItem =
  | { kind: "event"; id: string | undefined; event: string | undefined; data: string }
  | { kind: "comment"; text: string }
  | { kind: "retry"; ms: number };

export interface EventStream {
  readonly response: Response;
  /** The next item, undefined when the stream ended; rejects when nothing comes within `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseItem | undefined>;
  /** The next event (skipping comments and retry fields), undefined at the end. */
  nextEvent(timeoutMs?: number): Promise<Extract<SseItem, { kind: "event" }> | undefined>;
  /** Events up to the end of the stream. */
  rest(timeoutMs?: number): Promise<Array<Extract<SseItem, { kind: "event" }>>>;
  /** Aborts the request (the server sees the client go). */
  close(): void;
}

/** Opens `url` with `Accept: text/event-stream`; the response is returned whatever its status. */
export async function openEventStream(
  url: string,
  { headers = {}, fetchImpl = fetch }: { headers?: Record<string, string>; fetchImpl?: typeof fetch } = {},
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetchImpl(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  const queue: SseItem[] = [];
  let buffer = "";
  let ended = reader === undefined;
  let pending: { id?: string; event?: string; data: string[] } = { data: [] };

  const parse = () => {
    for (;;) {
      const nl = buffer.indexOf("\n");
      if (nl < 0) return;
      const line = buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
      if (line === "") {
        if (pending.data.length > 0 || pending.id !== undefined)
          queue.push({ kind: "event", id: pending.id, event: pending.event, data: pending.data.join("\n") });
        pending = { data: [] };
        continue;
      }
      if (line.startsWith(":")) {
        queue.push({ kind: "comment", text: line.slice(1).trim() });
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") pending.data.push(value);
      else if (field === "id") pending.id = value;
      else if (field === "event") pending.event = value;
      else if (field === "retry") queue.push({ kind: "retry", ms: Number(value) });
    }
  };

  const next = async (timeoutMs = 15_000): Promise<SseItem | undefined> => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0 && !ended) {
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), Math.max(0, left));
      });
      const read = reader?.read() ?? Promise.resolve({ done: true as const, value: undefined });
      // The timer goes also when the read rejects (the request aborted): it must not hold the process open.
      const result = await Promise.race([read, timeout]).finally(() => clearTimeout(timer));
      if (result === "timeout") {
        controller.abort();
        throw new Error(`no server-sent event line within ${timeoutMs} ms from ${url}`);
      }
      if (result.done) ended = true;
      else buffer += decoder.decode(result.value, { stream: true });
      parse();
    }
    return queue.shift();
  };
  const nextEvent = async (timeoutMs?: number) => {
    for (;;) {
      const item = await next(timeoutMs);
      if (item === undefined || item.kind === "event") return item;
    }
  };
  return {
    response,
    next,
    nextEvent,
    async rest(timeoutMs) {
      const events: Array<Extract<SseItem, { kind: "event" }>> = [];
      for (let e = await nextEvent(timeoutMs); e !== undefined; e = await nextEvent(timeoutMs))
        events.push(e);
      return events;
    },
    close: () => controller.abort(),
  };
}
