/**
 * Coalesces single calls into batches (the DataLoader pattern): calls made in the same turn of the event loop
 * are collected and handed to `run` together once the turn ends (or as soon as `maxSize` are waiting), and each
 * caller gets its own item's answer. The SQS consumer dispatches the messages of one receive in one turn, so a
 * consumer that applies each message through a batcher writes a received batch in one statement, without any
 * change to the consumer or to the per-message contract (each message is still acknowledged on its own).
 */
export interface BatcherOptions<I, O> {
  /** Answers in the items' order; throwing fails every item of that batch (each message retries on its own). */
  run: (items: I[]) => Promise<O[]>;
  /** Items per batch at most. Default 10 (one SQS receive). */
  maxSize?: number;
}

export function createBatcher<I, O>({ run, maxSize = 10 }: BatcherOptions<I, O>): (item: I) => Promise<O> {
  interface Waiting {
    item: I;
    resolve: (o: O) => void;
    reject: (err: unknown) => void;
  }
  let waiting: Waiting[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  const flush = async () => {
    clearImmediate(scheduled);
    scheduled = undefined;
    const batch = waiting;
    waiting = [];
    try {
      const answers = await run(batch.map((w) => w.item));
      if (answers.length !== batch.length)
        throw new Error(`batch answered ${answers.length} items for ${batch.length}`);
      for (const [i, w] of batch.entries()) w.resolve(answers[i] as O);
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (waiting.length >= maxSize) void flush();
      else scheduled ??= setImmediate(() => void flush());
    });
}
