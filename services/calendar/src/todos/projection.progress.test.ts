import { describe, expect, it } from "@jest/globals";
import { advanceWatermark, hasCaughtUpTo } from "./projection.progress.ts";

describe("projection progress", () => {
  it("moves the watermark over contiguous sequences", () => {
    expect(advanceWatermark(0, [1, 2, 3])).toBe(3);
    expect(advanceWatermark(7, [8])).toBe(8);
  });

  it("stops at the first gap and moves on once it closes", () => {
    expect(advanceWatermark(1, [3, 5])).toBe(1);
    expect(advanceWatermark(1, [2, 3, 5])).toBe(3);
    expect(advanceWatermark(1, [2, 3, 4, 5])).toBe(5);
  });

  it("ignores sequences at or below the watermark and duplicates", () => {
    expect(advanceWatermark(4, [1, 2, 4, 5, 5, 6])).toBe(6);
    expect(advanceWatermark(0, [])).toBe(0);
  });

  it("lets a request through once every earlier sequence is applied", () => {
    expect(hasCaughtUpTo(4, 5)).toBe(true);
    expect(hasCaughtUpTo(9, 5)).toBe(true);
    expect(hasCaughtUpTo(3, 5)).toBe(false);
    expect(hasCaughtUpTo(0, 1)).toBe(true);
  });
});
