import { createHash } from "node:crypto";
import type { CalendarFilters } from "@taskoverflow/contracts";
import { type DeflatedPiece, deflatePiece, deflatePieceSync, gzipOfPieces } from "./gzip.blocks.ts";

const DAY_MS = 86_400_000;

/** One todo's VEVENT as stored for the feed: its bytes and what the filters look at. */
export interface FeedEntry {
  id: number;
  /** The VEVENT, CRLF-terminated UTF-8 (the same text the export writes for this todo version). */
  text: Buffer;
  completed: boolean;
  deadlineMs: number;
}

/** What a request for one filtered variant of the feed gets: validators, then (on demand) the bytes. */
export interface FeedVariant {
  /** Strong ETag of the identity bytes (`"…"`); the gzip bytes carry it with `-gzip` appended. */
  etag: string;
  etagGzip: string;
  /** Whole seconds; never earlier than an answer given before for the same variant. */
  lastModifiedMs: number;
  eventCount: number;
  body(): Buffer;
  gzip(): Promise<Buffer>;
}

export interface FeedStoreOptions {
  /** The calendar lines around the VEVENTs (REFRESH-INTERVAL etc.). */
  head: Buffer;
  tail: Buffer;
  /** Most bytes of assembled variants kept (identity and gzip together); the unfiltered one is rebuilt first. */
  cacheBytes?: number;
  gzipLevel?: number;
}

interface CachedVariant {
  body?: Buffer;
  gzip?: Promise<Buffer>;
  bytes: number;
}

/** Todo ids per compressed piece of the gzip bytes (about 250 KiB of VEVENTs, 10 KiB compressed). */
const BLOCK_IDS = 1024;
/** Filter families whose compressed pieces are kept (the unfiltered feed and a few filters). */
const FAMILIES = 8;

type StoredEntry = FeedEntry & { hash: bigint };

const entryHash = (text: Buffer): bigint => createHash("sha256").update(text).digest().readBigUInt64BE(0);

/**
 * The feed's state in memory: one VEVENT per todo with a deadline (bytes outside the JavaScript heap), and
 * what serving a variant needs without touching the database:
 * - an ETag derived from the content alone (a XOR of the entries' hashes per `completed` class, plus the filter
 *   and, for a window, how many entries it includes), so every instance holding the same projection answers the
 *   same ETag, and the check costs no I/O;
 * - a Last-Modified from the projection's change times (tombstones included), so it never moves backwards;
 * - assembled variants (identity and gzip) cached until the content changes, in a bounded cache.
 * A `window` counts from the time of the request, so its variant is determined by the number of entries the
 * window includes (deadlines only come into range as time passes): that count is part of its ETag.
 */
export class FeedStore {
  private readonly entries = new Map<number, StoredEntry>();
  private readonly classHash = { true: 0n, false: 0n };
  private readonly classCount = { true: 0, false: 0 };
  private lastModified = 0;
  private sortedIds: number[] | undefined;
  private byDeadline: { true: StoredEntry[]; false: StoredEntry[] } | undefined;
  /** Per filter family: compressed pieces by block, each with the XOR of its entries' hashes it was made of. */
  private readonly pieces = new Map<string, Map<number, { hash: bigint; piece: DeflatedPiece }>>();
  private readonly framePieces: { head: DeflatedPiece; tail: DeflatedPiece };
  private readonly cache = new Map<string, CachedVariant>();
  private cachedBytes = 0;
  private readonly head: Buffer;
  private readonly tail: Buffer;
  private readonly cacheBytes: number;
  private readonly gzipLevel: number;
  private readonly frameHash: string;

  constructor({ head, tail, cacheBytes = 160 * 1024 * 1024, gzipLevel = 6 }: FeedStoreOptions) {
    this.head = head;
    this.tail = tail;
    this.cacheBytes = cacheBytes;
    this.gzipLevel = gzipLevel;
    this.frameHash = createHash("sha256").update(head).update(tail).digest("hex").slice(0, 8);
    this.framePieces = { head: deflatePieceSync(head, gzipLevel), tail: deflatePieceSync(tail, gzipLevel) };
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Applies a batch of changes: an entry replaces the todo's VEVENT, `undefined` removes it (deleted, or no
   * deadline any more). `changedAtMs` is the latest change time among the batch's rows. Returns whether the
   * content changed.
   */
  apply(changes: Iterable<{ id: number; entry: FeedEntry | undefined }>, changedAtMs: number): boolean {
    let changed = false;
    for (const { id, entry } of changes) {
      const before = this.entries.get(id);
      if (entry === undefined) {
        if (!before) continue;
        this.entries.delete(id);
        this.classHash[`${before.completed}`] ^= before.hash;
        this.classCount[`${before.completed}`]--;
        this.sortedIds = undefined;
        changed = true;
        continue;
      }
      const hash = entryHash(entry.text);
      if (before?.hash === hash) continue;
      if (before) {
        this.classHash[`${before.completed}`] ^= before.hash;
        this.classCount[`${before.completed}`]--;
      } else this.sortedIds = undefined;
      this.entries.set(id, { ...entry, hash });
      this.classHash[`${entry.completed}`] ^= hash;
      this.classCount[`${entry.completed}`]++;
      changed = true;
    }
    this.lastModified = Math.max(this.lastModified, Math.floor(changedAtMs / 1000) * 1000);
    if (changed) {
      this.byDeadline = undefined;
      this.cache.clear();
      this.cachedBytes = 0;
    }
    return changed;
  }

  /** The variant for these filters at `nowMs` (a window counts from now). Pure memory: no I/O. */
  variant(filters: CalendarFilters, nowMs: number): FeedVariant {
    const classes: Array<"true" | "false"> =
      filters.completed === undefined ? ["true", "false"] : [`${filters.completed}`];
    let hash = 0n;
    for (const c of classes) hash ^= this.classHash[c];
    let lastModifiedMs = this.lastModified;
    let select: () => StoredEntry[];
    let key: string;
    let family: string;
    let eventCount = 0;
    if (filters.windowDays === undefined) {
      for (const c of classes) eventCount += this.classCount[c];
      key = `${filters.completed ?? "all"}`;
      family = key;
      select = () => {
        const ids = this.ids();
        const out: StoredEntry[] = [];
        const wanted = filters.completed;
        for (const id of ids) {
          const e = this.entries.get(id) as StoredEntry;
          if (wanted === undefined || e.completed === wanted) out.push(e);
        }
        return out;
      };
    } else {
      const windowMs = filters.windowDays * DAY_MS;
      const cutoff = nowMs + windowMs;
      const sorted = this.deadlines();
      const counts = classes.map((c) => {
        const list = sorted[c];
        const k = upperBound(list, cutoff);
        const last = list[k - 1];
        // The moment the newest included deadline came into the window changed this variant's content.
        if (last)
          lastModifiedMs = Math.max(lastModifiedMs, Math.floor((last.deadlineMs - windowMs) / 1000) * 1000);
        return k;
      });
      eventCount = counts.reduce((a, b) => a + b, 0);
      key = `${filters.completed ?? "all"}/w${filters.windowDays}/${counts.join(".")}`;
      family = `${filters.completed ?? "all"}/w${filters.windowDays}`;
      select = () => classes.flatMap((c, i) => sorted[c].slice(0, counts[i])).sort((a, b) => a.id - b.id);
    }
    const tag = createHash("sha256")
      .update(`${this.frameHash}/${hash.toString(16)}/${key}`)
      .digest("base64url")
      .slice(0, 27);
    const cached = () => {
      let c = this.cache.get(tag);
      if (c) {
        // Least recently used goes first: re-insert at the end.
        this.cache.delete(tag);
        this.cache.set(tag, c);
      } else {
        c = { bytes: 0 };
        this.cache.set(tag, c);
      }
      return c;
    };
    return {
      etag: `"${tag}"`,
      etagGzip: `"${tag}-gzip"`,
      lastModifiedMs,
      eventCount,
      body: () => {
        const c = cached();
        if (!c.body) {
          c.body = Buffer.concat([this.head, ...select().map((e) => e.text), this.tail]);
          this.account(c, c.body.length);
        }
        return c.body;
      },
      gzip: () => {
        const c = cached();
        if (!c.gzip) {
          c.gzip = this.gzipOf(family, select()).then((z) => {
            this.account(c, z.length);
            return z;
          });
          c.gzip.catch(() => {
            if (this.cache.get(tag) === c) this.cache.delete(tag);
          });
        }
        return c.gzip;
      },
    };
  }

  private account(c: CachedVariant, bytes: number): void {
    if (![...this.cache.values()].includes(c)) return; // evicted or cleared meanwhile
    c.bytes += bytes;
    this.cachedBytes += bytes;
    for (const [tag, other] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes || other === c) break;
      this.cache.delete(tag);
      this.cachedBytes -= other.bytes;
    }
  }

  /**
   * The gzip bytes of these entries (in id order): one compressed piece per block of ids, reused from the
   * family's previous answer when the block's entries are unchanged, so a change recompresses one block.
   */
  private async gzipOf(family: string, selected: StoredEntry[]): Promise<Buffer> {
    const before = this.pieces.get(family);
    const blocks: Array<{ block: number; hash: bigint; entries: StoredEntry[] }> = [];
    for (const e of selected) {
      const block = Math.floor(e.id / BLOCK_IDS);
      let last = blocks.at(-1);
      if (last?.block !== block) {
        last = { block, hash: 0n, entries: [] };
        blocks.push(last);
      }
      last.hash ^= e.hash;
      last.entries.push(e);
    }
    const made = await Promise.all(
      blocks.map(async ({ block, hash, entries }) => {
        const kept = before?.get(block);
        if (kept?.hash === hash) return { block, hash, piece: kept.piece };
        const piece = await deflatePiece(Buffer.concat(entries.map((e) => e.text)), this.gzipLevel);
        return { block, hash, piece };
      }),
    );
    // Only the current pieces are kept; the least recently used family goes when there are too many.
    this.pieces.delete(family);
    this.pieces.set(family, new Map(made.map((m) => [m.block, { hash: m.hash, piece: m.piece }])));
    for (const name of this.pieces.keys()) {
      if (this.pieces.size <= FAMILIES) break;
      this.pieces.delete(name);
    }
    return gzipOfPieces([this.framePieces.head, ...made.map((m) => m.piece), this.framePieces.tail]);
  }

  private ids(): number[] {
    this.sortedIds ??= [...this.entries.keys()].sort((a, b) => a - b);
    return this.sortedIds;
  }

  private deadlines(): { true: StoredEntry[]; false: StoredEntry[] } {
    if (!this.byDeadline) {
      const lists = { true: [] as StoredEntry[], false: [] as StoredEntry[] };
      for (const e of this.entries.values()) lists[`${e.completed}`].push(e);
      for (const list of Object.values(lists))
        list.sort((a, b) => a.deadlineMs - b.deadlineMs || a.id - b.id);
      this.byDeadline = lists;
    }
    return this.byDeadline;
  }
}

/** Index of the first entry whose deadline is after `cutoff` (= how many are at or before it). */
function upperBound(list: readonly FeedEntry[], cutoff: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as FeedEntry).deadlineMs <= cutoff) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
