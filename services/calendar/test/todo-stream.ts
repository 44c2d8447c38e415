import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { CalendarFilters, DomainEvent, TodoState } from "@taskoverflow/contracts";
import { calendarEvents, todoEvent, todoState } from "@taskoverflow/contracts/testing";
import { decodeEventMessage, type EventPublisher } from "@taskoverflow/messaging";
import type { TodoSnapshot } from "../src/todos/todo.repository.ts";

let nextId = 1;

/**
 * Plays the todo service's side of the stream in tests: gapless sequences, events published to the real
 * topic, and the snapshot a real todo service would answer at this moment.
 */
export class TodoStream {
  sequence = 0;
  readonly todos = new Map<number, TodoState>();
  /** Every version of every todo this stream produced, for replays. */
  private readonly history = new Map<string, TodoState>();
  private readonly publisher: EventPublisher;
  constructor(publisher: EventPublisher) {
    this.publisher = publisher;
  }

  /** A change as the todo service's outbox would write it; `publish: false` loses it on the way. */
  async change(
    type: "TodoCreated" | "TodoUpdated" | "TodoDeleted",
    fields: Partial<TodoState> & { id?: number },
    { publish = true } = {},
  ): Promise<TodoState> {
    const id = fields.id ?? nextId++;
    const before = this.todos.get(id);
    const todo = todoState({
      id,
      title: `Todo ${id}`,
      deadlineAt: "2024-06-01T09:30:00.000Z",
      ...before,
      ...fields,
      version: (before?.version ?? 0) + 1,
    });
    this.history.set(`${id}@${todo.version}`, todo);
    if (type === "TodoDeleted") this.todos.delete(id);
    else this.todos.set(id, todo);
    const event = { ...todoEvent(type, todo), sequence: ++this.sequence };
    if (publish) await this.publisher.publish([event]);
    return todo;
  }

  /** Publishes an old version of a todo again (a late redelivery), under its original sequence's place. */
  async replay(id: number, version: number): Promise<void> {
    const todo = this.history.get(`${id}@${version}`);
    if (!todo) throw new Error(`no version ${version} of todo ${id}`);
    const event = { ...todoEvent("TodoUpdated", todo), sequence: ++this.sequence };
    await this.publisher.publish([event]);
  }

  /** CalendarRequested as the todo service's outbox writes it; published unless `hold` is set. */
  async request(filters: CalendarFilters = {}, { hold = false, requestedAt = new Date() } = {}) {
    const event = {
      ...calendarEvents.requested(crypto.randomUUID(), filters, {}, requestedAt),
      sequence: ++this.sequence,
    };
    if (!hold) await this.publisher.publish([event]);
    return event;
  }

  snapshot(): TodoSnapshot {
    return { sequence: this.sequence, todos: [...this.todos.values()].sort((a, b) => a.id - b.id) };
  }
}

/** Collects every event arriving on a queue (the job-status queue: what the calendar emitted). */
export function collect(sqs: SQSClient, queueUrl: string) {
  const events: DomainEvent[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const got = await sqs
        .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }))
        .catch(() => ({ Messages: [] }));
      for (const m of got.Messages ?? []) {
        const decoded = decodeEventMessage(m.Body);
        if (decoded.ok) events.push(...decoded.events);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  })();
  return {
    events,
    of: (jobId: string) => events.filter((e) => (e.payload as { jobId?: string }).jobId === jobId),
    async stop() {
      running = false;
      await loop;
    },
  };
}
