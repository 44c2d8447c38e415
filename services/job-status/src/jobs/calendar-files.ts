import type { Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** Reads finished calendars; the bucket and key come from the CalendarReady event. */
export interface CalendarFiles {
  open(bucket: string, key: string): Promise<{ body: Readable; size: number | undefined }>;
}

export function s3CalendarFiles(s3: S3Client): CalendarFiles {
  return {
    async open(bucket, key) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { body: got.Body as Readable, size: got.ContentLength };
    },
  };
}
