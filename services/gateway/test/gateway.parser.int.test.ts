// Errors Node's HTTP parser raises, below Koa, answered as JSON like every other error: conflicting lengths, bad
// chunking, oversized headers and URLs, garbage instead of HTTP.
import { connect } from "node:net";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { useGateway } from "./gateway.fixture.ts";

const g = useGateway();

/** Sends raw bytes on a new connection and returns everything the gateway answered until it closed. */
function raw(
  url: string,
  bytes: string | Buffer,
): Promise<{ status: number; headers: string; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body });
    });
    socket.end(bytes);
  });
}

describe("errors below Koa are JSON too", () => {
  let url: string;
  beforeAll(async () => {
    url = await g.start();
  });

  const expectJson = (
    answer: { status: number; headers: string; body: string },
    status: number,
    error: string,
  ) => {
    expect(answer.status).toBe(status);
    expect(answer.headers).toContain("content-type: application/json");
    expect(answer.headers).toContain("x-content-type-options: nosniff");
    expect(JSON.parse(answer.body)).toEqual({ error });
  };

  it("conflicting Content-Length and Transfer-Encoding: 400", async () => {
    const before = g.todo.received.length;
    expectJson(
      await raw(
        url,
        "POST /api/v1/todos HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      ),
      400,
      "Bad request",
    );
    expect(g.todo.received.length).toBe(before);
  });

  it("bad chunking: 400", async () => {
    expectJson(
      await raw(
        url,
        "POST /api/v1/todos HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
      ),
      400,
      "Bad request",
    );
  });

  it("headers over Node's limit: 431; a request line over it: 414", async () => {
    expectJson(
      await raw(url, `GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`),
      431,
      "Request header fields too large",
    );
    expectJson(
      await raw(url, `GET /api/v1/${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      414,
      "URI too long",
    );
  });

  it("a URL longer than 8 KiB that fits Node's limit: 414 from the request middleware", async () => {
    const res = await fetch(`${url}/api/v1/todos?x=${"a".repeat(9000)}`);
    expect(res.status).toBe(414);
    expect(await res.json()).toEqual({ error: "URI too long" });
  });

  it("garbage instead of HTTP: 400", async () => {
    expectJson(await raw(url, "HELLO\r\n\r\n"), 400, "Bad request");
  });
});
