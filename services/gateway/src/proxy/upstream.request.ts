import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { Dispatcher } from "undici";

export interface UpstreamAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The whole body when it was small and its length known; otherwise a stream of it. */
  body: Buffer | Readable;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
  /** The client's response: when the client hangs up first, the backend request is abandoned. */
  client?: ServerResponse;
}

/**
 * One request to a backend through undici's low-level `dispatch`. Measured on the 100-todo list, this costs
 * about 30 % less CPU than `request()`, which wraps every answer in a Readable: the gateway's budget is spent
 * on the hot path, not on stream machinery. Answers up to `bufferLimit` bytes with a Content-Length are kept
 * as one Buffer (one write to the client, and a reset mid-body is still a clean 502); anything bigger or of
 * unknown length (a large calendar) is streamed with backpressure. Bytes are never decoded.
 */
export function sendUpstream(
  dispatcher: Dispatcher,
  request: UpstreamRequest,
  bufferLimit: number,
): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let stream: Readable | undefined;
    let statusCode = 0;
    let headers: UpstreamAnswer["headers"] = {};
    let chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    const { client } = request;
    let onClientClose: (() => void) | undefined;
    const done = () => {
      ended = true;
      if (onClientClose) client?.off("close", onClientClose);
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        if (!client) return;
        onClientClose = () => {
          if (!client.writableFinished) controller.abort(new ClientClosedError());
        };
        client.once("close", onClientClose);
      },
      onResponseStart(controller, code, responseHeaders) {
        statusCode = code;
        headers = responseHeaders;
        const declared = Number(responseHeaders["content-length"]);
        if (Number.isInteger(declared) && declared <= bufferLimit) return;
        stream = new Readable({
          read: () => controller.resume(),
          destroy: (err, callback) => {
            // Koa destroys the body when the client leaves mid-download: stop reading the backend too.
            if (!ended) controller.abort(err ?? new ClientClosedError());
            callback(err);
          },
        });
        settled = true;
        resolve({ statusCode, headers, body: stream });
      },
      onResponseData(controller, chunk) {
        if (stream) {
          if (!stream.push(chunk)) controller.pause();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      },
      onResponseEnd() {
        done();
        if (stream) {
          stream.push(null);
          return;
        }
        settled = true;
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
        chunks = [];
        resolve({ statusCode, headers, body });
      },
      onResponseError(_controller, err) {
        done();
        if (!settled) {
          settled = true;
          reject(err);
        } else stream?.destroy(err);
      },
    };
    dispatcher.dispatch(
      {
        method: request.method as Dispatcher.HttpMethod,
        path: request.path,
        headers: request.headers,
        body: request.body ?? null,
      },
      handler,
    );
  });
}

/** The client went away before the backend answered; nobody is left to tell. */
export class ClientClosedError extends Error {
  override readonly name = "ClientClosedError";
  constructor() {
    super("client closed the request");
  }
}
