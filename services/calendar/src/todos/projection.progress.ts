/**
 * How far the projection has caught up with the todo service's stream (gapless `sequence`s per producer).
 * Each applied event records its sequence in a row of its own (no shared row is updated per event); the
 * watermark, "every sequence up to here is applied", is derived from those rows when someone asks (the
 * read-your-writes barrier) and by a periodic compaction, which then forgets the rows it covers.
 */

/** The highest sequence reachable from `watermark` through the applied sequences (ascending, above it). */
export function advanceWatermark(watermark: number, appliedAbove: readonly number[]): number {
  let w = watermark;
  for (const s of appliedAbove) {
    if (s <= w) continue;
    if (s !== w + 1) break;
    w = s;
  }
  return w;
}

/** Whether everything before `sequence` has been applied: a calendar requested at `sequence` may be built. */
export function hasCaughtUpTo(watermark: number, sequence: number): boolean {
  return watermark >= sequence - 1;
}
