import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ObjectStore } from "./object-store.ts";

/** The ObjectStore on S3 (or an emulator). */
export function s3ObjectStore(s3: S3Client, bucket: string): ObjectStore & { ensureBucket(): Promise<void> } {
  return {
    bucket,
    async ensureBucket() {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw err;
      }
    },
    async put(key, body, contentType) {
      const sha256 = createHash("sha256").update(body).digest("hex");
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.length,
          Metadata: { sha256 },
        }),
      );
      return { size: body.length, sha256 };
    },
    async get(key) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { body: got.Body as Readable, size: got.ContentLength };
    },
  };
}
