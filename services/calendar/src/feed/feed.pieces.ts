import { type DeflatedPiece, deflatePiece, deflatePieceSync, gzipOfPieces } from "./gzip.blocks.ts";

/** Todo ids per block (about 64 KiB of VEVENTs, 3 KiB compressed): what one change recompresses. */
export const BLOCK_IDS = 256;
/** Filter families whose compressed pieces are kept (the unfiltered feed and a few filters). */
const FAMILIES = 8;
/** Blocks compressed at once (libuv's thread pool has four threads). */
const PARALLEL = 2;

export const blockOf = (id: number) => Math.floor(id / BLOCK_IDS);

/** One block of a variant: what it is made of (`hash`, content-derived) and, on demand, its entries' bytes. */
export interface BlockPart {
  block: number;
  hash: bigint;
  /** The VEVENTs' Buffers in order (references, no copy); called synchronously, before any await. */
  texts(): Buffer[];
}

/**
 * The gzip bytes of a variant, as one compressed piece per block of todo ids (gzip.blocks.ts). Per filter
 * family (the unfiltered feed, `completed=…`, each window size), the pieces of its last answer are kept with
 * the hash of what they were made of, so the next answer recompresses only the blocks that changed.
 */
export class GzipPieces {
  private readonly families = new Map<string, Map<number, { hash: bigint; piece: DeflatedPiece }>>();
  private readonly head: DeflatedPiece;
  private readonly tail: DeflatedPiece;
  private readonly level: number;

  constructor(frame: { head: Buffer; tail: Buffer }, level: number) {
    this.level = level;
    this.head = deflatePieceSync(frame.head, level);
    this.tail = deflatePieceSync(frame.tail, level);
  }

  async gzip(family: string, blocks: readonly BlockPart[]): Promise<Buffer> {
    const before = this.families.get(family);
    const made: Array<{ block: number; hash: bigint; piece: DeflatedPiece }> = blocks.map(
      ({ block, hash }) => {
        const kept = before?.get(block);
        return {
          block,
          hash,
          piece: kept?.hash === hash ? kept.piece : (undefined as unknown as DeflatedPiece),
        };
      },
    );
    // The blocks to compress, a few at a time, each block's bytes gathered just before: a first answer at
    // 100,000 todos holds a few 64 KiB inputs at once, not a copy of the whole feed (its allocations, made
    // on the thread pool's threads, would stay in the process's memory long after).
    // What they are made of is taken now, synchronously, so a change meanwhile cannot mix in.
    const todo = made.flatMap((m, i) =>
      m.piece === undefined ? [{ m, texts: (blocks[i] as BlockPart).texts() }] : [],
    );
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const { m, texts } = todo[next++] as (typeof todo)[number];
        m.piece = await deflatePiece(Buffer.concat(texts), this.level);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length) }, worker));
    // Only the current pieces are kept; the least recently used family goes when there are too many.
    this.families.delete(family);
    this.families.set(family, new Map(made.map((m) => [m.block, { hash: m.hash, piece: m.piece }])));
    for (const name of this.families.keys()) {
      if (this.families.size <= FAMILIES) break;
      this.families.delete(name);
    }
    return gzipOfPieces([this.head, ...made.map((m) => m.piece), this.tail]);
  }
}
