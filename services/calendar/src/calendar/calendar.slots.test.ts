import { describe, expect, it } from "@jest/globals";
import { createJobSlots } from "./calendar.slots.ts";

describe("createJobSlots", () => {
  it("gives out at most `size` slots, and a released one again", () => {
    const slots = createJobSlots(2);
    const a = slots.take();
    const b = slots.take();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(slots.take()).toBeUndefined();
    expect(slots.taken).toBe(2);
    a?.();
    expect(slots.taken).toBe(1);
    expect(slots.take()).toBeDefined();
    expect(slots.take()).toBeUndefined();
  });

  it("counts a release once however often it is called", () => {
    const slots = createJobSlots(1);
    const release = slots.take();
    release?.();
    release?.();
    expect(slots.taken).toBe(0);
    expect(slots.take()).toBeDefined();
    expect(slots.take()).toBeUndefined();
  });

  it("refuses a size that is not a positive integer", () => {
    expect(() => createJobSlots(0)).toThrow(RangeError);
    expect(() => createJobSlots(1.5)).toThrow(RangeError);
  });
});
