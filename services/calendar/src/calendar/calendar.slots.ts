/**
 * How many calendar jobs build at once in this process. A job holds its todos and the calendar it builds in
 * memory (a 100,000-todo export peaks at ~380 MiB), and jobs share the consumer's slots with the todo events, so
 * the consumer's width alone does not bound them: four such jobs at once took 686 MiB, past the 512 MiB of the
 * deployed task, and an out-of-memory kill would be redelivered into the same state. `take()` answers a release
 * (call it once the job is over, however it ended) or undefined when every slot is taken.
 */
export function createJobSlots(size: number) {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`job slots must be a positive integer, got ${size}`);
  let taken = 0;
  return {
    take(): (() => void) | undefined {
      if (taken >= size) return undefined;
      taken += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        taken -= 1;
      };
    },
    /** Jobs building now. */
    get taken() {
      return taken;
    },
  };
}

export type JobSlots = ReturnType<typeof createJobSlots>;
