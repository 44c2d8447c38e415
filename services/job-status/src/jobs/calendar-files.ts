import type { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, type S3Client } from "@aws-sdk/client-s3";

/** Reads finished calendars; the bucket and key come from the CalendarReady event. */
export interface CalendarFiles {
  /** The file, or undefined when it is gone (expired by the bucket's lifecycle, or lost). */
  open(bucket: string, key: string): Promise<{ body: Readable; size: number | undefined } | undefined>;
}

/** S3 says "gone" as NoSuchKey (GetObject) or a bare 404 (some emulators, or no ListBucket permission: 403). */
function isGone(err: unknown): boolean {
  if (err instanceof NoSuchKey) return true;
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

export function s3CalendarFiles(s3: S3Client): CalendarFiles {
  return {
    async open(bucket, key) {
      try {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { body: got.Body as Readable, size: got.ContentLength };
      } catch (err) {
        if (isGone(err)) return undefined;
        throw err;
      }
    },
  };
}
