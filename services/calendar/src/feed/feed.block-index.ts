import { BLOCK_IDS, type BlockPart, blockOf } from "./feed.pieces.ts";

/** One todo's VEVENT as stored for the feed: its bytes and what the filters look at. */
export interface FeedEntry {
  id: number;
  /** The VEVENT, CRLF-terminated UTF-8 (the same text the export writes for this todo version). */
  text: Buffer;
  completed: boolean;
  deadlineMs: number;
}

export type StoredEntry = FeedEntry & { hash: bigint };
export type Klass = "true" | "false";
/** Per block of ids and `completed` class: the XOR of the entries' hashes and their count. */
type BlockSums = Record<Klass, { hash: bigint; count: number }>;

/**
 * Per block of todo ids, the XOR of its entries' hashes and their count per `completed` class, kept up to date
 * as entries come and go: the blocks of the unfiltered or a `completed` variant, and which of them changed, are
 * then known in O(blocks), not O(todos), and only a changed block's bytes are gathered.
 */
export class BlockIndex {
  private readonly blocks = new Map<number, BlockSums>();
  private sorted: number[] | undefined;

  account(e: StoredEntry, sign: 1 | -1): void {
    const c: Klass = `${e.completed}`;
    const b = blockOf(e.id);
    let sums = this.blocks.get(b);
    if (!sums) {
      sums = { true: { hash: 0n, count: 0 }, false: { hash: 0n, count: 0 } };
      this.blocks.set(b, sums);
      this.sorted = undefined;
    }
    sums[c].hash ^= e.hash;
    sums[c].count += sign;
    if (sums.true.count === 0 && sums.false.count === 0) {
      this.blocks.delete(b);
      this.sorted = undefined;
    }
  }

  /** The blocks of the entries of these classes; `ids` all entries' ids in order. */
  parts(
    classes: readonly Klass[],
    ids: readonly number[],
    entryOf: (id: number) => StoredEntry,
  ): BlockPart[] {
    this.sorted ??= [...this.blocks.keys()].sort((a, b) => a - b);
    const out: BlockPart[] = [];
    for (const block of this.sorted) {
      const sums = this.blocks.get(block) as BlockSums;
      let hash = 0n;
      let count = 0;
      for (const c of classes) {
        hash ^= sums[c].hash;
        count += sums[c].count;
      }
      if (count === 0) continue;
      out.push({
        block,
        hash: hash ^ (BigInt(count) << 64n),
        texts: () => {
          const texts: Buffer[] = [];
          const end = upperBound(ids, (block + 1) * BLOCK_IDS - 1, (id) => id);
          for (let i = upperBound(ids, block * BLOCK_IDS - 1, (id) => id); i < end; i++) {
            const e = entryOf(ids[i] as number);
            if (classes.includes(`${e.completed}`)) texts.push(e.text);
          }
          return texts;
        },
      });
    }
    return out;
  }
}

/** Entries in id order, grouped by block, each block's hash the XOR of its entries' and its count. */
export function groupIntoBlocks(selected: StoredEntry[]): BlockPart[] {
  const out: Array<BlockPart & { entries: StoredEntry[] }> = [];
  for (const e of selected) {
    const block = blockOf(e.id);
    let last = out.at(-1);
    if (last?.block !== block) {
      const entries: StoredEntry[] = [];
      last = { block, hash: 0n, entries, texts: () => entries.map((x) => x.text) };
      out.push(last);
    }
    last.hash ^= e.hash;
    last.entries.push(e);
  }
  for (const b of out) b.hash ^= BigInt(b.entries.length) << 64n;
  return out;
}

/** Index of the first item whose key is after `cutoff` (= how many are at or before it), in a sorted list. */
export function upperBound<T>(list: readonly T[], cutoff: number, keyOf: (item: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOf(list[mid] as T) <= cutoff) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
