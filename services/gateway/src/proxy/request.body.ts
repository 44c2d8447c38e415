import type { IncomingMessage } from "node:http";
import { AppError } from "@taskoverflow/platform";

export class PayloadTooLargeError extends AppError {
  override readonly name = "PayloadTooLargeError";
  constructor(limit: number) {
    super(413, "payload_too_large", `Request body too large (limit ${limit} bytes)`);
  }
}

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit is refused before
 * reading; a chunked body is counted as it arrives and refused at the first byte past the limit (the rest is
 * never read: the caller answers with `Connection: close`). Bodies are small (64 KiB by default), so the
 * gateway buffers them: a refused body never reaches a backend half-sent.
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = req.headers["content-length"];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > limit) return Promise.reject(new PayloadTooLargeError(limit));
    if (length === 0) return Promise.resolve(undefined);
  } else if (req.headers["transfer-encoding"] === undefined) {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(size === 0 ? undefined : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new AppError(400, "request_aborted", "Request body could not be read", { cause: err }));
    };
    const onClose = () => {
      if (!req.complete) onError(new Error("client closed the connection"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
