import { describe, expect, it } from "@jest/globals";
import { createCircuitBreaker } from "./circuit.breaker.ts";

describe("circuit breaker", () => {
  it("opens after the threshold of consecutive failures, for openMs", () => {
    const c = createCircuitBreaker({ failureThreshold: 3, openMs: 1_000 });
    c.recordFailure(0);
    c.recordFailure(10);
    expect(c.allows(20)).toBe(true);
    c.recordFailure(20);
    expect(c.allows(21)).toBe(false);
    expect(c.retryAfterMs(520)).toBe(500);
    expect(c.allows(1_020)).toBe(true);
  });

  it("reopens on the first failure after the pause and closes on a success", () => {
    const c = createCircuitBreaker({ failureThreshold: 2, openMs: 100 });
    c.recordFailure(0);
    c.recordFailure(0);
    c.recordFailure(100);
    expect(c.allows(150)).toBe(false);
    c.recordSuccess();
    expect(c.allows(150)).toBe(true);
    c.recordFailure(150);
    expect(c.allows(151)).toBe(true);
  });

  it("forgets failures separated by a success", () => {
    const c = createCircuitBreaker({ failureThreshold: 2, openMs: 100 });
    c.recordFailure(0);
    c.recordSuccess();
    c.recordFailure(1);
    expect(c.allows(2)).toBe(true);
  });
});
