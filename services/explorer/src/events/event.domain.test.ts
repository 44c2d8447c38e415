import { describe, expect, it } from "@jest/globals";
import { calendarEvents, todoEvent } from "@taskoverflow/contracts/testing";
import { planTopology } from "@taskoverflow/messaging";
import { cutUtf8, recordOf } from "./event.domain.ts";

describe("an event's record", () => {
  const plan = planTopology();

  it("keeps the envelope under its own names and where the topology routed it", () => {
    const e = calendarEvents.started("7f0c7d9e-1c55-4c2e-9d55-2d3b1f1c2a10", { correlationId: "c-1" });
    expect(recordOf(e, plan, 512)).toEqual({
      id: e.id,
      type: "CalendarStarted",
      version: 1,
      producer: "calendar",
      sequence: null,
      correlationId: "c-1",
      occurredAt: new Date(e.occurredAt).toISOString(),
      payloadSummary: '{"jobId":"7f0c7d9e-1c55-4c2e-9d55-2d3b1f1c2a10"}',
      payloadBytes: 48,
      payloadTruncated: false,
      routedTo: ["job-status", "explorer"],
    });
  });

  it("bounds the payload summary in bytes, never cutting a character", () => {
    const e = todoEvent("TodoCreated", { title: "ééééé" });
    const r = recordOf(e, plan, 20);
    expect(Buffer.byteLength(r.payloadSummary)).toBeLessThanOrEqual(20);
    expect(r.payloadTruncated).toBe(true);
    expect(r.payloadBytes).toBe(Buffer.byteLength(JSON.stringify(e.payload)));
    expect(cutUtf8("aé", 2)).toBe("a");
    expect(cutUtf8("aé", 3)).toBe("aé");
    expect(cutUtf8("a😀b", 4)).toBe("a");
    expect(cutUtf8("a😀b", 5)).toBe("a😀");
  });
});
