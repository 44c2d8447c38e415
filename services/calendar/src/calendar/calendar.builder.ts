import type { TodoState } from "@taskoverflow/contracts";
import ical, { type ICalCalendar, ICalEventTransparency } from "ical-generator";

/** What a calendar is built from: the todo fields the calendar shows. */
export type CalendarTodo = Pick<
  TodoState,
  "id" | "title" | "description" | "completed" | "deadlineAt" | "createdAt" | "updatedAt" | "version"
>;

export interface BuildOptions {
  /** Domain of the UIDs (`todo-<id>@<host>`): stable across exports, so apps update rather than duplicate. */
  host: string;
  /** DTSTAMP of every VEVENT: when this calendar was produced. */
  stamp: Date;
}

export interface BuiltCalendar {
  /** The whole .ics file in UTF-8: CRLF line ends, lines folded at 75 octets. */
  body: Buffer;
  /** Number of VEVENTs (todos with a deadline). */
  eventCount: number;
}

export const PRODID = { company: "TaskOverflow", product: "Calendar Export", language: "EN" };
export const COMPLETED_CATEGORY = "Completed";

export const uidOf = (id: number, host: string) => `todo-${id}@${host}`;

// Events are rendered in chunks, each by its own short-lived ical-generator calendar: holding 100,000
// event objects at once costs far more time in garbage collection than building them (measured with
// bench/calendar-build.ts: 9.9 s and ~490 MiB in one calendar; about 1.5-2.3 s and under 400 MiB peak RSS
// in chunks of 500 written to buffers).
const CHUNK = 500;
const END = "END:VCALENDAR";

/**
 * Todos to RFC 5545 text. One VEVENT per todo with a deadline (SUMMARY = title, DESCRIPTION =
 * description, DTSTART = deadline in UTC); todos without a deadline have no place in a calendar and are
 * skipped. A completed todo keeps its title as SUMMARY (clients compare it) and is marked with the
 * category `Completed`, `TRANSP:TRANSPARENT` (it no longer blocks time) and `X-TASKOVERFLOW-COMPLETED`.
 * Escaping, folding at 75 octets and CRLF are ical-generator's.
 */
export function buildCalendar(todos: Iterable<CalendarTodo>, { host, stamp }: BuildOptions): BuiltCalendar {
  // UTF-8 buffers rather than strings: one non-ASCII character makes V8 store a whole string at two bytes
  // per character, and buffers live outside the JavaScript heap, so the heap (and its GC) stays small.
  const parts: Buffer[] = [];
  let eventCount = 0;
  let chunk = newCalendar();
  let inChunk = 0;
  const flush = () => {
    if (inChunk === 0) return;
    const text = chunk.toString();
    parts.push(Buffer.from(text.slice(text.indexOf("BEGIN:VEVENT"), text.lastIndexOf(END)), "utf8"));
    chunk = newCalendar();
    inChunk = 0;
  };
  for (const todo of todos) {
    if (todo.deadlineAt === null) continue;
    addEvent(chunk, todo, host, stamp);
    eventCount++;
    if (++inChunk === CHUNK) flush();
  }
  flush();
  // The calendar's own lines (BEGIN, VERSION, PRODID, name) come from an empty calendar.
  const empty = newCalendar().toString();
  const head = empty.slice(0, empty.lastIndexOf(END));
  // RFC 5545 ends every content line, the last one included, with CRLF.
  return {
    body: Buffer.concat([Buffer.from(head, "utf8"), ...parts, Buffer.from(`${END}\r\n`, "utf8")]),
    eventCount,
  };
}

function newCalendar(ttlSeconds?: number): ICalCalendar {
  return ical({ prodId: PRODID, name: "TaskOverflow", ...(ttlSeconds !== undefined && { ttl: ttlSeconds }) });
}

/**
 * The lines around the VEVENTs of a subscribed feed: the export's calendar lines plus
 * `REFRESH-INTERVAL;VALUE=DURATION` and `X-PUBLISHED-TTL` (how often a client should come back).
 */
export function feedFrame(ttlSeconds: number): { head: Buffer; tail: Buffer } {
  const empty = newCalendar(ttlSeconds).toString();
  return {
    head: Buffer.from(empty.slice(0, empty.lastIndexOf(END)), "utf8"),
    tail: Buffer.from(`${END}\r\n`, "utf8"),
  };
}

/**
 * Each todo's VEVENT on its own (the same text `buildCalendar` writes, CRLF-terminated), for todos with a
 * deadline; `stampOf` gives each event's DTSTAMP. Rendered in chunks as `buildCalendar` does.
 */
export function renderEvents<T extends CalendarTodo>(
  todos: Iterable<T>,
  { host, stampOf }: { host: string; stampOf: (todo: T) => Date },
): Array<{ todo: T; text: Buffer }> {
  const out: Array<{ todo: T; text: Buffer }> = [];
  let pending: T[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const calendar = newCalendar();
    for (const todo of pending) addEvent(calendar, todo, host, stampOf(todo));
    const text = calendar.toString();
    // A VEVENT starts at the beginning of a line; folded lines start with a space, so this cannot be content.
    const marker = "\r\nBEGIN:VEVENT\r\n";
    let at = text.indexOf(marker);
    for (const todo of pending) {
      const next = text.indexOf(marker, at + marker.length);
      const end = next === -1 ? text.lastIndexOf(END) - 2 : next;
      out.push({ todo, text: Buffer.from(text.slice(at + 2, end + 2), "utf8") });
      at = next;
    }
    pending = [];
  };
  for (const todo of todos) {
    if (todo.deadlineAt === null) continue;
    pending.push(todo);
    if (pending.length === CHUNK) flush();
  }
  flush();
  return out;
}

function addEvent(calendar: ICalCalendar, todo: CalendarTodo, host: string, stamp: Date): void {
  const event = calendar.createEvent({
    id: uidOf(todo.id, host),
    sequence: todo.version - 1,
    stamp,
    start: new Date(todo.deadlineAt as string),
    summary: todo.title,
    created: new Date(todo.createdAt),
    lastModified: new Date(todo.updatedAt),
  });
  if (todo.description !== null) event.description(todo.description);
  if (todo.completed) {
    event.categories([{ name: COMPLETED_CATEGORY }]);
    event.transparency(ICalEventTransparency.TRANSPARENT);
    event.x([{ key: "X-TASKOVERFLOW-COMPLETED", value: "TRUE" }]);
  }
}
