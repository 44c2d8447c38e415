import { type DomainEvent, type EventType, parseEvent, TodoEventTypes } from "@taskoverflow/contracts";
import { errorText } from "@taskoverflow/platform";

/**
 * The wire format of an event message (docs/events.md, docs/architecture.md §14): the body is one event's JSON,
 * or a JSON array of events of one type in sequence order (a group). Todo events are grouped: they are the
 * stream's volume (every write is one), cheap to apply, and their consumers batch what they receive anyway; a
 * message, its publish entry, its receive and its delete then carry up to `GROUP_MAX_EVENTS` events instead of
 * one. A job's events and requests travel one per message: few, on a latency path, and a CalendarRequested is a
 * build that the consumer's slots must bound one by one.
 */
export const GROUPED_TYPES: ReadonlySet<EventType> = new Set(TodoEventTypes);
/** At most this many events in one message. */
export const GROUP_MAX_EVENTS = 50;
/**
 * At most this many bytes of events in one grouped body. SNS takes 256 KiB a message and 256 KiB a PublishBatch
 * call in all (`PUBLISH_BATCH_MAX_BYTES`): a group stays well below, so calls carry several. (The contracts'
 * bounds keep a todo event under ~1.5 KB, so `GROUP_MAX_EVENTS` closes a group first unless its texts are long and
 * of 4-byte characters.)
 */
export const GROUP_MAX_BYTES = 64 * 1024;
/** SNS's limit of a PublishBatch call's messages and attributes in all (262,144 bytes), less a margin. */
export const PUBLISH_BATCH_MAX_BYTES = 250_000;

export interface EventMessage {
  /** The events the message carries: one, or a group of one type in the order given. */
  events: DomainEvent[];
  body: string;
  attributes: { type: string; correlationId?: string; eventCount?: number };
  /** The body's and the attributes' bytes, as SNS counts them against its limits. */
  bytes: number;
}

/**
 * The messages that carry `events`, in their order: each event of a grouped type joins the open group of its
 * type until that group is full; every other event is a message of its own.
 */
export function eventMessages(
  events: readonly DomainEvent[],
  { maxEvents = GROUP_MAX_EVENTS, maxBytes = GROUP_MAX_BYTES } = {},
): EventMessage[] {
  const groups: Array<{ events: DomainEvent[]; bodies: string[]; bytes: number }> = [];
  const open = new Map<EventType, (typeof groups)[number]>();
  for (const event of events) {
    const body = JSON.stringify(event);
    const bytes = Buffer.byteLength(body);
    const grouped = GROUPED_TYPES.has(event.type);
    let group = grouped ? open.get(event.type) : undefined;
    if (group && (group.events.length >= maxEvents || group.bytes + 1 + bytes > maxBytes)) group = undefined;
    if (!group) {
      group = { events: [], bodies: [], bytes: 1 };
      groups.push(group);
      if (grouped) open.set(event.type, group);
    }
    group.events.push(event);
    group.bodies.push(body);
    group.bytes += bytes + 1;
  }
  return groups.map(({ events: members, bodies }) => {
    const first = members[0] as DomainEvent;
    const body = members.length === 1 ? (bodies[0] as string) : `[${bodies.join(",")}]`;
    // The correlation id names the message only when every event in it shares one; each event carries its own.
    const shared = members.every((e) => e.correlationId === first.correlationId);
    const attributes = {
      type: first.type,
      ...(shared && { correlationId: first.correlationId }),
      ...(members.length > 1 && { eventCount: members.length }),
    };
    const attributeBytes = Object.entries(attributes).reduce(
      (n, [k, v]) => n + k.length + String(v).length + 6,
      0,
    );
    return { events: members, body, attributes, bytes: Buffer.byteLength(body) + attributeBytes };
  });
}

/** `messages` in PublishBatch calls: at most `limit` entries and `maxBytes` a call. */
export function publishCalls(
  messages: readonly EventMessage[],
  limit: number,
  maxBytes = PUBLISH_BATCH_MAX_BYTES,
): EventMessage[][] {
  const calls: EventMessage[][] = [];
  let call: EventMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (call.length > 0 && (call.length >= limit || bytes + m.bytes > maxBytes)) {
      calls.push(call);
      call = [];
      bytes = 0;
    }
    call.push(m);
    bytes += m.bytes;
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

/**
 * The events of a received message body, each validated against the contracts: one event, or a non-empty group
 * of events of one type. Anything else is invalid as a whole (the message goes to the dead-letter queue).
 */
export function decodeEventMessage(
  body: string | undefined,
): { ok: true; events: DomainEvent[] } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch (err) {
    // Not JSON.parse's message: it quotes the body.
    const at = /position (\d+)/.exec(errorText(err))?.[1];
    return { ok: false, reason: `body is not JSON${at === undefined ? "" : ` (at position ${at})`}` };
  }
  if (!Array.isArray(json)) {
    const parsed = parseEvent(json);
    return parsed.ok
      ? { ok: true, events: [parsed.event] }
      : { ok: false, reason: `not a valid event: ${parsed.reason}` };
  }
  if (json.length === 0) return { ok: false, reason: "an empty group of events" };
  const events: DomainEvent[] = [];
  for (const [i, item] of json.entries()) {
    const parsed = parseEvent(item);
    if (!parsed.ok) return { ok: false, reason: `event ${i} of the group is not valid: ${parsed.reason}` };
    if (events.length > 0 && parsed.event.type !== events[0]?.type)
      return {
        ok: false,
        reason: `event ${i} of the group is a ${parsed.event.type}, not a ${events[0]?.type}`,
      };
    events.push(parsed.event);
  }
  return { ok: true, events };
}
