import { buffer } from "node:stream/consumers";
import type { CalendarFiles } from "./calendar-files.ts";
import type { CalendarObject } from "./job.projection.ts";

/**
 * The calendars of jobs this instance just saw finish, kept in memory for a short while: a client that waited for
 * SUCCESS downloads the result next, and then gets it without a database read and an S3 GET on its path. The file
 * is read once the job's status became SUCCESS with it, on the turn after (the waiters' answer goes first: read
 * before, the S3 GET's signing and parsing held that answer back; the download that follows awaits the read). A
 * finished job never changes its outcome and its object's key is its own, so a kept file cannot go stale for as
 * long as it is kept (`ttlMs`, far below any bucket lifecycle). Other instances, and a miss, read S3.
 */
export interface FinishedCalendars {
  /**
   * The job reached SUCCESS with `result`: keep its file for the result route. The read starts on the next turn of
   * the event loop; a file too large, unreadable or of another size is not kept (never a rejection).
   */
  remember(jobId: string, result: CalendarObject): void;
  /** The kept file of a job that finished with SUCCESS, or undefined. */
  get(jobId: string): Promise<{ result: CalendarObject; body: Buffer } | undefined>;
}

export interface FinishedCalendarsOptions {
  /** Files larger than this are not kept (default 1 MiB). */
  maxFileBytes?: number;
  /** All kept files together (default 16 MiB): the oldest go first. */
  maxBytes?: number;
  /** How long a file is kept (default 60 s). */
  ttlMs?: number;
  now?: () => number;
}

interface Kept {
  result: CalendarObject;
  file: Promise<Buffer | undefined>;
  until: number;
}

export function finishedCalendars(
  files: CalendarFiles,
  options: FinishedCalendarsOptions = {},
): FinishedCalendars {
  const { maxFileBytes = 1 << 20, maxBytes = 16 << 20, ttlMs = 60_000, now = Date.now } = options;
  // Insertion order is age order: eviction takes the first entries.
  const kept = new Map<string, Kept>();
  let bytes = 0;

  const drop = (jobId: string) => {
    const entry = kept.get(jobId);
    if (!entry) return;
    kept.delete(jobId);
    bytes -= entry.result.size;
  };

  const read = (result: CalendarObject): Promise<Buffer | undefined> =>
    new Promise<void>((turn) => setImmediate(turn))
      .then(() => files.open(result.bucket, result.key))
      .then(async (file) => (file ? buffer(file.body) : undefined))
      .then((body) => (body?.length === result.size ? body : undefined))
      .catch(() => undefined);

  return {
    remember(jobId, result) {
      if (result.size > maxFileBytes) return;
      const file = read(result);
      drop(jobId);
      kept.set(jobId, { result, file, until: now() + ttlMs });
      bytes += result.size;
      for (const [oldest, entry] of kept) {
        if (bytes <= maxBytes && entry.until > now()) break;
        drop(oldest);
      }
      // A read that failed keeps nothing.
      file.then((body) => body === undefined && kept.get(jobId)?.file === file && drop(jobId));
    },
    async get(jobId) {
      const entry = kept.get(jobId);
      if (!entry) return undefined;
      if (entry.until <= now()) {
        drop(jobId);
        return undefined;
      }
      const body = await entry.file;
      return body && { result: entry.result, body };
    },
  };
}
