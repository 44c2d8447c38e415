import { constants, crc32, deflateRaw, deflateRawSync } from "node:zlib";

// A gzip member (RFC 1952) whose deflate stream is made of independently compressed pieces, each ending on a
// byte boundary with a sync flush and none marked final, then one empty final block: the way pigz makes gzip in
// parallel. A piece can be compressed once and reused in every later answer that contains it, so a change to
// one todo recompresses one piece, not the whole feed. The trailer's CRC-32 is combined from the pieces' own.

/** One compressed piece: its deflate bytes and the CRC-32 and length of the bytes it stands for. */
export interface DeflatedPiece {
  deflated: Buffer;
  crc: number;
  length: number;
}

const options = (level: number) => ({ level, finishFlush: constants.Z_SYNC_FLUSH });

export function deflatePieceSync(data: Buffer, level: number): DeflatedPiece {
  return { deflated: deflateRawSync(data, options(level)), crc: crc32(data), length: data.length };
}

/** Compresses on libuv's thread pool. */
export function deflatePiece(data: Buffer, level: number): Promise<DeflatedPiece> {
  return new Promise((resolve, reject) => {
    deflateRaw(data, options(level), (err, deflated) => {
      if (err) reject(err);
      else resolve({ deflated, crc: crc32(data), length: data.length });
    });
  });
}

// Gzip header: magic, deflate, no flags, no mtime (the bytes depend on the content alone), no extra flags, OS unknown.
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
// An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block.
const FINAL = Buffer.from([0x03, 0x00]);

/** The gzip member of the pieces, in order. */
export function gzipOfPieces(pieces: readonly DeflatedPiece[]): Buffer {
  let crc = 0;
  let length = 0;
  for (const p of pieces) {
    crc = crc32Combine(crc, p.crc, p.length);
    length += p.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([HEADER, ...pieces.map((p) => p.deflated), FINAL, trailer]);
}

// CRC-32 combination (zlib's crc32_combine, the multmodp/x2nmodp form): CRC(A‖B) from CRC(A), CRC(B), |B|.
const POLY = 0xedb88320;

function multmodp(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  let bb = b >>> 0;
  for (;;) {
    if ((a & m) >>> 0 !== 0) {
      p ^= bb;
      if ((a & (m - 1)) >>> 0 === 0) break;
    }
    m >>>= 1;
    bb = bb & 1 ? (bb >>> 1) ^ POLY : bb >>> 1;
  }
  return p >>> 0;
}

const X2N = (() => {
  const t = new Uint32Array(32);
  let p = 0x40000000; // x^1
  t[0] = p;
  for (let k = 1; k < 32; k++) t[k] = p = multmodp(p, p);
  return t;
})();

function x2nmodp(n: number, k: number): number {
  let p = 0x80000000; // x^0
  let rest = n;
  let i = k;
  while (rest > 0) {
    if (rest % 2 === 1) p = multmodp(X2N[i & 31] as number, p);
    rest = Math.floor(rest / 2);
    i++;
  }
  return p;
}

export function crc32Combine(crc1: number, crc2: number, length2: number): number {
  return (multmodp(x2nmodp(length2, 3), crc1 >>> 0) ^ (crc2 >>> 0)) >>> 0;
}
