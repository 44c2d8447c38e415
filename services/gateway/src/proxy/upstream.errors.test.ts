import { describe, expect, it } from "@jest/globals";
import { errors } from "undici";
import { classifyUpstreamError } from "./upstream.errors.ts";

describe("classifyUpstreamError", () => {
  it("calls the client's timeouts timeouts", () => {
    expect(classifyUpstreamError(new errors.HeadersTimeoutError())).toBe("timeout");
    expect(classifyUpstreamError(new errors.BodyTimeoutError())).toBe("timeout");
    expect(classifyUpstreamError(new errors.ConnectTimeoutError())).toBe("timeout");
  });

  it("calls refused, reset and anything else unreachable", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(classifyUpstreamError(refused)).toBe("unreachable");
    expect(classifyUpstreamError(new errors.SocketError("other side closed"))).toBe("unreachable");
    expect(classifyUpstreamError("weird")).toBe("unreachable");
  });

  it("looks inside aggregate errors and causes", () => {
    const timedOut = Object.assign(new Error("x"), { code: "ETIMEDOUT" });
    expect(classifyUpstreamError(new AggregateError([timedOut]))).toBe("timeout");
    expect(classifyUpstreamError(new Error("wrapped", { cause: timedOut }))).toBe("timeout");
  });
});
