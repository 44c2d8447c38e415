/**
 * How far the projection has caught up with the todo service's outbox stream (gapless `sequence`s).
 * Events may arrive out of order, so besides the highest contiguous sequence applied we keep the ones
 * applied beyond a gap; the gap closes when the missing events arrive.
 */
export interface Progress {
  /** Every sequence up to and including this one has been applied. */
  watermark: number;
  /** Applied sequences above `watermark + 1`, ascending. */
  ahead: number[];
}

export const emptyProgress: Progress = { watermark: 0, ahead: [] };

/** Whether a sequence is already reflected (applied, or covered by a snapshot). */
export function hasApplied(progress: Progress, sequence: number): boolean {
  return sequence <= progress.watermark || progress.ahead.includes(sequence);
}

/** Records one applied sequence and moves the watermark over every gap that is now closed. */
export function markApplied(progress: Progress, sequence: number): Progress {
  if (hasApplied(progress, sequence)) return progress;
  return normalise({ watermark: progress.watermark, ahead: [...progress.ahead, sequence] });
}

/** A snapshot taken at `sequence` reflects every event up to it. */
export function coverUpTo(progress: Progress, sequence: number): Progress {
  if (sequence <= progress.watermark) return progress;
  return normalise({ watermark: sequence, ahead: progress.ahead.filter((s) => s > sequence) });
}

/** Whether everything before `sequence` has been applied: a calendar requested at `sequence` may be built. */
export function hasCaughtUpTo(progress: Progress, sequence: number): boolean {
  return progress.watermark >= sequence - 1;
}

function normalise({ watermark, ahead }: Progress): Progress {
  const sorted = [...new Set(ahead)].sort((a, b) => a - b);
  let w = watermark;
  let i = 0;
  while (i < sorted.length && (sorted[i] as number) <= w + 1) {
    w = Math.max(w, sorted[i] as number);
    i++;
  }
  return { watermark: w, ahead: sorted.slice(i) };
}
