import { spawnSync } from "node:child_process";
import { crc32, gunzipSync } from "node:zlib";
import { describe, expect, it } from "@jest/globals";
import { crc32Combine, deflatePiece, deflatePieceSync, gzipOfPieces } from "./gzip.blocks.ts";

describe("gzip from independently compressed pieces", () => {
  it("combines CRC-32s as zlib computes the whole", () => {
    const a = Buffer.from("BEGIN:VCALENDAR\r\n".repeat(7));
    const b = Buffer.from("Ünïcödé 🎉 and more text ".repeat(300));
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
    expect(crc32Combine(crc32(a), crc32(Buffer.alloc(0)), 0)).toBe(crc32(a));
    expect(crc32Combine(0, crc32(b), b.length)).toBe(crc32(b));
  });

  it("makes one gzip member that any gunzip reads as the concatenation", async () => {
    const parts = [
      Buffer.from("head\r\n"),
      Buffer.from("x".repeat(70_000)),
      Buffer.alloc(0),
      Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i}\r\n`).join("")),
    ];
    const pieces = [
      deflatePieceSync(parts[0] as Buffer, 6),
      ...(await Promise.all(parts.slice(1).map((p) => deflatePiece(p, 6)))),
    ];
    const gz = gzipOfPieces(pieces);
    expect(gunzipSync(gz).equals(Buffer.concat(parts))).toBe(true);
    expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    // GNU gzip, another implementation, checks the CRC and length too.
    const gnu = spawnSync("gzip", ["-dc"], { input: gz });
    expect(gnu.status).toBe(0);
    expect(gnu.stdout.equals(Buffer.concat(parts))).toBe(true);
    expect(gunzipSync(gzipOfPieces([])).length).toBe(0);
  });
});
