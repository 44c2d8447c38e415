import { createHash } from "node:crypto";
import type { CalendarFilters } from "@taskoverflow/contracts";
import {
  BlockIndex,
  type FeedEntry,
  groupIntoBlocks,
  type Klass,
  type StoredEntry,
  upperBound,
} from "./feed.block-index.ts";
import { type BlockPart, GzipPieces } from "./feed.pieces.ts";
import { VariantCache } from "./feed.variants.ts";

const DAY_MS = 86_400_000;

export type { FeedEntry } from "./feed.block-index.ts";

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

const entryHash = (text: Buffer): bigint => createHash("sha256").update(text).digest().readBigUInt64BE(0);

/**
 * The feed's state in memory: one VEVENT per todo with a deadline (bytes outside the JavaScript heap), and
 * what serving a variant needs without touching the database:
 * - an ETag derived from the content alone (a XOR of the entries' hashes per `completed` class, plus the filter
 *   and, for a window, how many entries it includes), so every instance holding the same projection answers the
 *   same ETag, and the check costs no I/O;
 * - a Last-Modified from the projection's change times (tombstones included), so it never moves backwards;
 * - a version token of everything the unfiltered and `completed` variants depend on (content, Last-Modified,
 *   frame), with change listeners: what the gateways' feed caches follow (feed.version.ts);
 * - assembled variants (identity and gzip) cached until the content changes, in a bounded cache, the gzip bytes
 *   made of per-block pieces of which a change recompresses one (feed.pieces.ts).
 * A `window` counts from the time of the request, so its variant is determined by the number of entries the
 * window includes (deadlines only come into range as time passes): that count is part of its ETag.
 */
export class FeedStore {
  private readonly entries = new Map<number, StoredEntry>();
  private readonly classHash = { true: 0n, false: 0n };
  private readonly classCount = { true: 0, false: 0 };
  private readonly blocks = new BlockIndex();
  private lastModified = 0;
  private sortedIds: number[] | undefined;
  private byDeadline: { true: StoredEntry[]; false: StoredEntry[] } | undefined;
  private readonly pieces: GzipPieces;
  private readonly cache: VariantCache;
  private readonly head: Buffer;
  private readonly tail: Buffer;
  private readonly frameHash: string;
  private versionToken = "";
  private readonly listeners = new Set<() => void>();

  constructor({ head, tail, cacheBytes = 160 * 1024 * 1024, gzipLevel = 6 }: FeedStoreOptions) {
    this.head = head;
    this.tail = tail;
    this.cache = new VariantCache(cacheBytes);
    this.pieces = new GzipPieces({ head, tail }, gzipLevel);
    this.frameHash = createHash("sha256").update(head).update(tail).digest("hex").slice(0, 8);
    this.versionToken = this.computeVersion();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Changes whenever the unfiltered or a `completed` variant would answer differently (a window aside). */
  get version(): string {
    return this.versionToken;
  }

  /** Calls `listener` after every apply that changed the version; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
        this.account(before, -1);
        this.sortedIds = undefined;
        changed = true;
        continue;
      }
      const hash = entryHash(entry.text);
      if (before?.hash === hash) continue;
      if (before) this.account(before, -1);
      else this.sortedIds = undefined;
      const stored = { ...entry, hash };
      this.entries.set(id, stored);
      this.account(stored, 1);
      changed = true;
    }
    this.lastModified = Math.max(this.lastModified, Math.floor(changedAtMs / 1000) * 1000);
    if (changed) {
      this.byDeadline = undefined;
      this.cache.clear();
    }
    const version = this.computeVersion();
    if (version !== this.versionToken) {
      this.versionToken = version;
      for (const listener of this.listeners) listener();
    }
    return changed;
  }

  /** The variant for these filters at `nowMs` (a window counts from now). Pure memory: no I/O. */
  variant(filters: CalendarFilters, nowMs: number): FeedVariant {
    const classes: Klass[] = filters.completed === undefined ? ["true", "false"] : [`${filters.completed}`];
    let hash = 0n;
    for (const c of classes) hash ^= this.classHash[c];
    let lastModifiedMs = this.lastModified;
    let select: () => StoredEntry[];
    let parts: () => BlockPart[];
    let key: string;
    let family: string;
    let eventCount = 0;
    if (filters.windowDays === undefined) {
      for (const c of classes) eventCount += this.classCount[c];
      key = `${filters.completed ?? "all"}`;
      family = key;
      select = () => {
        const out: StoredEntry[] = [];
        for (const id of this.ids()) {
          const e = this.entries.get(id) as StoredEntry;
          if (filters.completed === undefined || e.completed === filters.completed) out.push(e);
        }
        return out;
      };
      parts = () => this.blocks.parts(classes, this.ids(), (id) => this.entries.get(id) as StoredEntry);
    } else {
      const windowMs = filters.windowDays * DAY_MS;
      const cutoff = nowMs + windowMs;
      const sorted = this.deadlines();
      const counts = classes.map((c) => {
        const list = sorted[c];
        const k = upperBound(list, cutoff, (e) => e.deadlineMs);
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
      parts = () => groupIntoBlocks(select());
    }
    const tag = createHash("sha256")
      .update(`${this.frameHash}/${hash.toString(16)}/${key}`)
      .digest("base64url")
      .slice(0, 27);
    return {
      etag: `"${tag}"`,
      etagGzip: `"${tag}-gzip"`,
      lastModifiedMs,
      eventCount,
      body: () =>
        this.cache.body(tag, () => Buffer.concat([this.head, ...select().map((e) => e.text), this.tail])),
      gzip: () => this.cache.gzip(tag, () => this.pieces.gzip(family, parts())),
    };
  }

  private account(e: StoredEntry, sign: 1 | -1): void {
    const c: Klass = `${e.completed}`;
    this.classHash[c] ^= e.hash;
    this.classCount[c] += sign;
    this.blocks.account(e, sign);
  }

  private computeVersion(): string {
    const { true: t, false: f } = this.classHash;
    const { true: tc, false: fc } = this.classCount;
    return createHash("sha256")
      .update(`${this.frameHash}/${t.toString(16)}.${tc}/${f.toString(16)}.${fc}/${this.lastModified}`)
      .digest("base64url")
      .slice(0, 22);
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
