import { type DeflatedPiece, deflatePiece, deflatePieceSync, gzipOfPieces } from "./gzip.blocks.ts";

/** Todo ids per block (about 64 KiB of VEVENTs, 3 KiB compressed): what one change recompresses. */
export const BLOCK_IDS = 256;
/** Filter families whose compressed pieces are kept (the unfiltered feed and a few filters). */
const FAMILIES = 8;

export const blockOf = (id: number) => Math.floor(id / BLOCK_IDS);

/** One block of a variant: what it is made of (`hash`, content-derived) and, on demand, its bytes. */
export interface BlockPart {
  block: number;
  hash: bigint;
  text(): Buffer;
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
    const made = await Promise.all(
      blocks.map(async ({ block, hash, text }) => {
        const kept = before?.get(block);
        if (kept?.hash === hash) return { block, hash, piece: kept.piece };
        return { block, hash, piece: await deflatePiece(text(), this.level) };
      }),
    );
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
