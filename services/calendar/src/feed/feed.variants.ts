interface CachedVariant {
  body?: Buffer;
  gzip?: Promise<Buffer>;
  bytes: number;
}

/**
 * Assembled variants (identity and gzip bytes) by ETag, least recently used first, within a byte bound; the
 * unfiltered one is typically asked for most and so stays. Cleared when the content changes.
 */
export class VariantCache {
  private readonly cache = new Map<string, CachedVariant>();
  private bytes = 0;

  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  clear(): void {
    this.cache.clear();
    this.bytes = 0;
  }

  body(tag: string, make: () => Buffer): Buffer {
    const c = this.use(tag);
    if (!c.body) {
      c.body = make();
      this.account(c, c.body.length);
    }
    return c.body;
  }

  gzip(tag: string, make: () => Promise<Buffer>): Promise<Buffer> {
    const c = this.use(tag);
    if (!c.gzip) {
      c.gzip = make().then((z) => {
        this.account(c, z.length);
        return z;
      });
      c.gzip.catch(() => {
        if (this.cache.get(tag) === c) this.cache.delete(tag);
      });
    }
    return c.gzip;
  }

  private use(tag: string): CachedVariant {
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
  }

  private account(c: CachedVariant, bytes: number): void {
    if (![...this.cache.values()].includes(c)) return; // evicted or cleared meanwhile
    c.bytes += bytes;
    this.bytes += bytes;
    for (const [tag, other] of this.cache) {
      if (this.bytes <= this.maxBytes || other === c) break;
      this.cache.delete(tag);
      this.bytes -= other.bytes;
    }
  }
}
