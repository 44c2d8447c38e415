// The event explorer end to end: every service its own process (the explorer with a bearer token, on its own
// database), the in-process emulator, everything through the gateway. The explorer was added with no change in
// any producer: it sees what the todo and calendar services publish because its queue has no filter policy.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import { clientsFor, type EndpointClients, publishRaw, sendRaw, waitFor } from "@taskoverflow/test-harness";
import { checkedFetchFor } from "./gateway.client.ts";
import { startTestStack } from "./test-stack.ts";

const TOKEN = "e2e-explorer-token-0123456789";
const system = startTestStack({
  topology: { prefix: "e2e-ex-", visibilityTimeoutSeconds: 2 },
  env: { explorer: { EXPLORER_TOKEN: TOKEN } },
  logLevel: "info",
});
let aws: EndpointClients;
let stack: typeof system.stack;

beforeAll(() => {
  stack = system.stack;
  aws = clientsFor({
    endpoint: stack.aws.endpoint,
    region: stack.aws.region,
    credentials: { accessKeyId: stack.aws.accessKeyId, secretAccessKey: stack.aws.secretAccessKey },
  });
});

afterAll(() => {
  aws?.destroy();
});

const apiFetch = checkedFetchFor(() => stack.gatewayUrl);
const bearer = { authorization: `Bearer ${TOKEN}` };
const explorer = (path: string, init: RequestInit = {}) =>
  apiFetch(`${stack.gatewayUrl}/api/v1/explorer${path}`, {
    ...init,
    headers: { ...bearer, ...init.headers },
  });
const explorerJson = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const res = await explorer(path, init);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

interface Recorded {
  id: string;
  type: string;
  producer: string;
  correlationId: string;
  routedTo: string[];
}

/** Opens the live stream through the gateway and collects what it sends. */
async function openStream(query: string) {
  const stop = new AbortController();
  const res = await fetch(`${stack.gatewayUrl}/api/v1/explorer/stream?${query}`, {
    headers: bearer,
    signal: stop.signal,
  });
  expect([res.status, res.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const until = async (test: (text: string) => boolean) => {
    while (!test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended");
      text += value;
    }
  };
  await until((t) => t.includes(": connected"));
  return {
    /** Resolves with the recorded events once `n` have arrived. */
    async events(n: number): Promise<Recorded[]> {
      const parsed = () =>
        text
          .split("\n\n")
          .filter((m) => m.includes("event: recorded"))
          .map((m) => JSON.parse(m.slice(m.indexOf("data: ") + 6)) as Recorded);
      await until(() => parsed().length >= n);
      return parsed();
    },
    close: () => stop.abort(),
  };
}

describe("the event explorer", () => {
  it("shows a POST, with its correlation id, live", async () => {
    const correlationId = `e2e-live-${Date.now()}`;
    const stream = await openStream(`correlationId=${correlationId}`);
    expect((await apiFetch(`${stack.gatewayUrl}/api/v1/health`)).status).toBe(200);
    try {
      const res = await apiFetch(`${stack.gatewayUrl}/api/v1/todos`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-correlation-id": correlationId },
        body: JSON.stringify({ title: "watched" }),
      });
      expect(res.status).toBe(201);
      const [event] = await stream.events(1);
      // How soon (the "within a second") is a benchmark, not an assertion: `npm run bench -- explorer`.
      expect(event).toMatchObject({
        type: "TodoCreated",
        producer: "todo",
        correlationId,
        routedTo: ["calendar", "explorer"],
      });
      const page = await explorerJson<{ events: Recorded[] }>(`/events?correlationId=${correlationId}`);
      expect(page.events.map((e) => e.id)).toEqual([event?.id]);
    } finally {
      stream.close();
    }
  });

  it("draws one calendar request's timeline in order: requested, started, ready", async () => {
    const correlationId = `e2e-timeline-${Date.now()}`;
    const res = await apiFetch(`${stack.gatewayUrl}/api/v1/todos/ical`, {
      method: "POST",
      headers: { "x-correlation-id": correlationId },
    });
    expect(res.status).toBe(202);
    const timeline = await waitFor(
      async () => {
        const r = await explorer(`/correlations/${correlationId}`);
        if (r.status !== 200) return undefined;
        const body = (await r.json()) as { events: Recorded[] };
        return body.events.some((e) => e.type === "CalendarReady") ? body.events : undefined;
      },
      { timeoutMs: 30_000, what: "the calendar job's timeline" },
    );
    expect(timeline.map((e) => [e.type, e.producer])).toEqual([
      ["CalendarRequested", "todo"],
      ["CalendarStarted", "calendar"],
      ["CalendarReady", "calendar"],
    ]);
  });

  it("shows a poison message in the dead-letter view; a redrive moves the good one back and it is processed", async () => {
    await publishRaw(aws.sns, stack.topology.topicArn, '{"poison":true}', "CalendarStarted");
    type Peek = { messages: Array<{ body: string; type: string | null }> };
    await waitFor(
      async () =>
        (await explorerJson<Peek>("/dead-letters/job-status")).messages.some(
          (m) => m.body === '{"poison":true}',
        ),
      { what: "the poison message in the job-status dead-letter view" },
    );
    // A job the job-status service never heard of, as if its CalendarRequested had exhausted its retries.
    const jobId = crypto.randomUUID();
    const lost = calendarEvents.requested(jobId, {}, { correlationId: `e2e-redrive-${Date.now()}` });
    await sendRaw(aws.sqs, stack.topology.queues["job-status"].dlqUrl, JSON.stringify(lost), lost.type);
    const status = () => apiFetch(`${stack.gatewayUrl}/api/v1/todos/ical/${jobId}/status`);
    expect((await status()).status).toBe(404);
    const peeked = await explorerJson<Peek>("/dead-letters/job-status");
    expect(peeked.messages.map((m) => m.type).sort()).toEqual(["CalendarRequested", "CalendarStarted"]);

    const redrive = await explorer("/dead-letters/job-status/redrive", { method: "POST" });
    expect([redrive.status, await redrive.json()]).toEqual([
      200,
      { queue: "job-status", mode: "copy", moved: 2 },
    ]);
    // Processed: the job-status service now knows the job.
    const known = await waitFor(
      async () => {
        const r = await status();
        return r.status === 200 ? ((await r.json()) as { task_status: string }) : undefined;
      },
      { what: "the redriven CalendarRequested applied" },
    );
    expect(known.task_status).toBe("PENDING");
    // The poison is no event: its consumer dead-letters it again, and it is all that is left there.
    await waitFor(
      async () => {
        const { messages } = await explorerJson<Peek>("/dead-letters/job-status");
        return messages.length === 1 && messages[0]?.body === '{"poison":true}';
      },
      { what: "the poison back in the dead-letter queue" },
    );
    const queues = await explorerJson<{ queues: Array<{ key: string; deadLetter: { counts: unknown } }> }>(
      "/queues",
    );
    expect(queues.queues.map((q) => q.key)).toEqual(["calendar", "job-status", "explorer"]);
  });

  it("refuses every explorer request without the bearer token (401 JSON through the gateway)", async () => {
    for (const path of ["/events", "/queues", "/dead-letters/calendar", "/correlations/x"]) {
      const res = await apiFetch(`${stack.gatewayUrl}/api/v1/explorer${path}`);
      expect([path, res.status, await res.json()]).toEqual([
        path,
        401,
        { error: "Missing or wrong bearer token" },
      ]);
    }
    const redrive = await apiFetch(`${stack.gatewayUrl}/api/v1/explorer/dead-letters/calendar/redrive`, {
      method: "POST",
      headers: { authorization: "Bearer not-the-token" },
    });
    expect(redrive.status).toBe(401);
    // The rest of the API does not see the explorer's credentials, and needs none.
    expect((await apiFetch(`${stack.gatewayUrl}/api/v1/todos`)).status).toBe(200);
  });
});
