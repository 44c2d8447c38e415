import type { Readable } from "node:stream";

export interface StoredObject {
  size: number;
  /** Hex SHA-256 of the body. */
  sha256: string;
}

/** Where calendars are kept (S3). Writing the same key again replaces the object, so retries are safe. */
export interface ObjectStore {
  readonly bucket: string;
  put(key: string, body: Buffer, contentType: string): Promise<StoredObject>;
  get(key: string): Promise<{ body: Readable; size: number | undefined }>;
}
