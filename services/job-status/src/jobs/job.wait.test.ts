import { describe, expect, it } from "@jest/globals";
import { preferredWaitSeconds } from "./job.wait.ts";

describe("preferredWaitSeconds (the Prefer header's wait, RFC 7240)", () => {
  it.each([
    ["wait=5", 5],
    ["WAIT=0", 0],
    ["respond-async, wait=10", 10],
    ['wait="7"', 7],
    ["wait = 3 ; foo=bar", 3],
    ["return=minimal,wait=2", 2],
  ])("%s -> %s seconds", (header, seconds) => {
    expect(preferredWaitSeconds(header)).toBe(seconds);
  });

  it.each([
    [undefined],
    [""],
    ["respond-async"],
    ["wait"],
    ["wait=-1"],
    ["wait=1.5"],
    ["wait=soon"],
    ["waited=5"],
  ])("%s asks for no wait", (header) => {
    expect(preferredWaitSeconds(header)).toBeUndefined();
  });
});
