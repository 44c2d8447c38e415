import { describe, expect, it } from "@jest/globals";
import { todoState } from "@taskoverflow/contracts/testing";
import ICAL from "ical.js";
import { buildCalendar, type CalendarTodo, uidOf } from "./calendar.builder.ts";

const host = "taskoverflow.test";
const stamp = new Date("2024-05-01T12:34:56.000Z");

/** The fixed times of these tests' todos (deadline, created, updated). */
const times = {
  deadlineAt: "2024-06-01T09:30:00.000Z",
  createdAt: "2024-04-01T00:00:00.000Z",
  updatedAt: "2024-04-02T00:00:00.000Z",
};

let nextId = 1;
function todo(overrides: Partial<CalendarTodo> = {}): CalendarTodo {
  const id = nextId++;
  return todoState({ id, title: `Todo ${id}`, ...times, ...overrides });
}

interface ParsedEvent {
  uid: string;
  summary: string;
  description: string | null;
  start: ICAL.Time;
  stamp: ICAL.Time;
  categories: string[];
  completed: boolean;
}

function parse(ics: string): { calendar: ICAL.Component; events: ParsedEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const events = calendar.getAllSubcomponents("vevent").map((ve) => {
    const event = new ICAL.Event(ve);
    return {
      uid: event.uid,
      summary: event.summary,
      description: (ve.getFirstPropertyValue("description") as string | null) ?? null,
      start: event.startDate,
      stamp: ve.getFirstPropertyValue("dtstamp") as ICAL.Time,
      categories: ve.getAllProperties("categories").flatMap((p) => p.getValues() as string[]),
      completed: ve.getFirstPropertyValue("x-taskoverflow-completed") === "TRUE",
    };
  });
  return { calendar, events };
}

const byteLength = (line: string) => Buffer.byteLength(line, "utf8");

describe("buildCalendar", () => {
  const hard = [
    todo({ title: "Project Proposal", description: "CSSE6400 Project Proposal Due" }),
    todo({ title: "Commas, semicolons; and back\\slashes", description: "a,b;c\\d" }),
    todo({ title: "Line\nbreaks\r\nin title", description: "first line\nsecond line\r\nthird" }),
    todo({ title: "Emoji 🎉🚀 and ünïcödé", description: "👩‍👩‍👧‍👦 family; 漢字テキスト, ok" }),
    todo({ title: `${"x".repeat(79)}é`, description: "🎉".repeat(30) }),
    todo({ title: "Done already", completed: true, deadlineAt: "2023-02-27T00:00:00.000Z" }),
    todo({ title: "No deadline", deadlineAt: null, description: "never in a calendar" }),
    todo({ title: "Offset deadline", deadlineAt: "2024-12-31T23:59:59.000Z", version: 4 }),
  ];
  const withDeadline = hard.filter((t) => t.deadlineAt !== null);
  const { body, eventCount } = buildCalendar(hard, { host, stamp });
  const ics = body.toString("utf8");
  const { calendar, events } = parse(ics);

  it("is a VCALENDAR 2.0 with a PRODID", () => {
    expect(calendar.name).toBe("vcalendar");
    expect(calendar.getFirstPropertyValue("version")).toBe("2.0");
    expect(String(calendar.getFirstPropertyValue("prodid"))).toContain("TaskOverflow");
  });

  it("has one VEVENT per todo with a deadline, in order, and counts them", () => {
    expect(eventCount).toBe(withDeadline.length);
    expect(events.map((e) => e.uid)).toEqual(withDeadline.map((t) => uidOf(t.id, host)));
  });

  it("round-trips every field exactly through Mozilla's parser", () => {
    for (const [i, t] of withDeadline.entries()) {
      const e = events[i] as ParsedEvent;
      // A line break in a title survives as \n (RFC 5545 TEXT has no CR).
      expect(e.summary).toBe(t.title.replace(/\r\n|\r/g, "\n"));
      expect(e.description).toBe(t.description === null ? null : t.description.replace(/\r\n|\r/g, "\n"));
      expect(e.start.zone?.tzid).toBe("UTC");
      expect(e.start.toJSDate().toISOString()).toBe(t.deadlineAt);
      expect(e.stamp.toJSDate().toISOString()).toBe(stamp.toISOString());
      expect(e.completed).toBe(t.completed);
      expect(e.categories).toEqual(t.completed ? ["Completed"] : []);
    }
  });

  it("gives stable unique UIDs of the form todo-<id>@<host>", () => {
    const uids = events.map((e) => e.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^todo-\d+@taskoverflow\.test$/);
    const again = parse(buildCalendar(hard, { host, stamp: new Date() }).body.toString("utf8")).events.map(
      (e) => e.uid,
    );
    expect(again).toEqual(uids);
  });

  it("writes DTSTART and DTSTAMP in UTC form", () => {
    expect(ics).toContain("DTSTART:20240601T093000Z\r\n");
    expect(ics).toContain("DTSTAMP:20240501T123456Z\r\n");
    expect(ics.match(/^DTSTAMP:/gm)?.length).toBe(eventCount);
  });

  it("escapes commas, semicolons, backslashes and newlines", () => {
    const unfolded = ics.replace(/\r\n /g, "");
    expect(unfolded).toContain("SUMMARY:Commas\\, semicolons\\; and back\\\\slashes\r\n");
    expect(unfolded).toContain("DESCRIPTION:first line\\nsecond line\\nthird\r\n");
  });

  it("ends every line with CRLF and keeps every line within 75 octets", () => {
    expect(ics.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(ics.endsWith("\r\nEND:VCALENDAR\r\n")).toBe(true);
    expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    for (const line of ics.split("\r\n")) expect(byteLength(line)).toBeLessThanOrEqual(75);
    // The long title was folded, and folding never split a multi-byte character.
    expect(ics).toMatch(/\r\n /);
    expect(ics).not.toContain("\uFFFD");
  });

  it("marks completed todos visibly without changing their summary", () => {
    const done = events.find((e) => e.summary === "Done already");
    expect(done?.completed).toBe(true);
    expect(done?.categories).toEqual(["Completed"]);
    expect(ics).toContain("TRANSP:TRANSPARENT");
  });

  it("renders large exports (several internal chunks) completely and in order", () => {
    const many = Array.from({ length: 2_345 }, (_, i) =>
      todo({ deadlineAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString() }),
    );
    const built = buildCalendar(many, { host, stamp });
    expect(built.eventCount).toBe(many.length);
    const parsed = parse(built.body.toString("utf8")).events;
    expect(parsed.map((e) => e.uid)).toEqual(many.map((t) => uidOf(t.id, host)));
    expect(parsed.at(-1)?.start.toJSDate().toISOString()).toBe(many.at(-1)?.deadlineAt);
  });

  it("exports an empty calendar, and one of only deadline-less todos, without crashing", () => {
    for (const input of [[], [todo({ deadlineAt: null })]]) {
      const built = buildCalendar(input, { host, stamp });
      expect(built.eventCount).toBe(0);
      const parsed = parse(built.body.toString("utf8"));
      expect(parsed.calendar.name).toBe("vcalendar");
      expect(parsed.events).toEqual([]);
    }
  });
});
