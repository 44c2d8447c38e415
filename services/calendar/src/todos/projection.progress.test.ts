import { describe, expect, it } from "@jest/globals";
import {
  coverUpTo,
  emptyProgress,
  hasApplied,
  hasCaughtUpTo,
  markApplied,
  type Progress,
} from "./projection.progress.ts";

const apply = (sequences: number[], from: Progress = emptyProgress) => sequences.reduce(markApplied, from);

describe("projection progress", () => {
  it("moves the watermark over contiguous sequences", () => {
    expect(apply([1, 2, 3])).toEqual({ watermark: 3, ahead: [] });
  });

  it("keeps sequences beyond a gap until the gap closes", () => {
    const gapped = apply([1, 3, 5]);
    expect(gapped).toEqual({ watermark: 1, ahead: [3, 5] });
    expect(hasCaughtUpTo(gapped, 3)).toBe(false);
    expect(apply([2], gapped)).toEqual({ watermark: 3, ahead: [5] });
    expect(apply([2, 4], gapped)).toEqual({ watermark: 5, ahead: [] });
  });

  it("converges whatever the arrival order and ignores duplicates", () => {
    expect(apply([4, 2, 2, 1, 3, 4, 1])).toEqual({ watermark: 4, ahead: [] });
  });

  it("knows what it has applied", () => {
    const p = apply([1, 2, 5]);
    expect([1, 2, 3, 4, 5].map((s) => hasApplied(p, s))).toEqual([true, true, false, false, true]);
  });

  it("lets a calendar requested at N be built once everything before N is applied", () => {
    expect(hasCaughtUpTo(apply([1, 2]), 3)).toBe(true);
    expect(hasCaughtUpTo(apply([1]), 3)).toBe(false);
    expect(hasCaughtUpTo(emptyProgress, 1)).toBe(true);
  });

  it("is covered by a snapshot up to its sequence, keeping what lies beyond", () => {
    expect(coverUpTo(apply([1, 4, 9]), 6)).toEqual({ watermark: 6, ahead: [9] });
    expect(coverUpTo(apply([1, 4, 7]), 6)).toEqual({ watermark: 7, ahead: [] });
    const ahead = apply([1, 2, 3]);
    expect(coverUpTo(ahead, 2)).toBe(ahead);
  });
});
