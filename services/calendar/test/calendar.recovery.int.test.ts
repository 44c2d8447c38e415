// The calendar service when things are missing: a lost todo event healed from the todo service's snapshot, a
// first start against existing todos, and a calendar that cannot be stored (CalendarFailed, not PENDING forever).
import { describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { awsEmulators } from "@taskoverflow/test-harness";
import type { ObjectStore } from "../src/calendar/object-store.ts";
import { useCalendarWorld } from "./calendar.fixture.ts";

describe.each(awsEmulators())("calendar service recovery on $name", ({ start }) => {
  const { world, startApp, outcome, ready, calendarOf, withTwoTodos, bucket } = useCalendarWorld(start);

  it("heals a lost todo event from the todo service's snapshot instead of waiting forever", async () => {
    const { w } = await withTwoTodos();
    await w.stream.change("TodoCreated", { id: 105, title: "Lost on the way" }, { publish: false });
    const request = await w.stream.request();
    const { events } = await calendarOf(await ready(w, request.payload.jobId));
    expect(events.map((e) => e.summary)).toEqual(["Alpha", "Beta", "Lost on the way"]);
  });

  it("started for the first time against existing todos, produces complete calendars", async () => {
    const w = await world();
    // The todos exist before the calendar ever ran; their events are long gone.
    await w.stream.change("TodoCreated", { id: 201, title: "Existing one" }, { publish: false });
    await w.stream.change("TodoCreated", { id: 202, title: "Existing two" }, { publish: false });
    await w.stream.change("TodoDeleted", { id: 201 }, { publish: false });
    await startApp(w);
    const request = await w.stream.request();
    const { events } = await calendarOf(await ready(w, request.payload.jobId));
    expect(events.map((e) => e.summary)).toEqual(["Existing two"]);
  });

  it("reports CalendarFailed when the calendar cannot be stored, so the job does not stay PENDING", async () => {
    const w = await world({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    const broken: ObjectStore = {
      bucket,
      put: async () => {
        throw new Error("S3 is down");
      },
      get: async () => {
        throw new Error("S3 is down");
      },
    };
    await startApp(w, {}, { store: broken });
    const request = await w.stream.request();
    const failed = await outcome(w, request.payload.jobId, "CalendarFailed");
    expect(failed.payload.reason).not.toContain("S3 is down");
    expect(w.out.of(request.payload.jobId).some((e: DomainEvent) => e.type === "CalendarReady")).toBe(false);
  });
});
