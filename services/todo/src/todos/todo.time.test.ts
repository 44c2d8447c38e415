import { describe, expect, it } from "@jest/globals";
import { formatTimestamp, parseTimestamp, windowCutoff } from "./todo.time.ts";

describe("parseTimestamp", () => {
  it.each([
    ["2023-02-27T00:00:00", "2023-02-27T00:00:00"],
    ["2023-04-03 14:00:00.000", "2023-04-03T14:00:00"],
    ["2023-04-03T14:00:00.5", "2023-04-03T14:00:00.500000"],
    ["2023-04-03T14:00:00,25", "2023-04-03T14:00:00.250000"],
    ["2023-04-03T14:00:00.123456789", "2023-04-03T14:00:00.123456"],
    ["2023-04-03T14:00:00Z", "2023-04-03T14:00:00"],
    ["2023-04-03T14:00:00.000001z", "2023-04-03T14:00:00.000001"],
    ["2023-04-03T14:00:00+10:00", "2023-04-03T04:00:00"],
    ["2023-04-03T14:00:00+1000", "2023-04-03T04:00:00"],
    ["2023-04-03T14:00:00-05", "2023-04-03T19:00:00"],
    ["2023-01-01T05:00:00.25+10:00", "2022-12-31T19:00:00.250000"],
    ["2023-04-03T14:00", "2023-04-03T14:00:00"],
    ["2023-04-03", "2023-04-03T00:00:00"],
    ["2024-02-29T12:00:00", "2024-02-29T12:00:00"],
    ["0001-01-01T00:00:00", "0001-01-01T00:00:00"],
    ["9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999"],
  ])("reads %s as %s", (input, expected) => {
    expect(parseTimestamp(input)).toBe(expected);
  });

  it.each([
    "",
    "next tuesday",
    "2023-02-30T00:00:00",
    "2023-02-29T00:00:00",
    "2023-13-01T00:00:00",
    "2023-00-10T00:00:00",
    "2023-04-03T24:00:00",
    "2023-04-03T14:60:00",
    "2023-04-03T14:00:60",
    "2023-04-03T14:00:00+24:00",
    "2023-04-03T14:00:00+10:60",
    "2023-04-03Z",
    "2023-04-03T14:00:00.",
    "0000-01-01T00:00:00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:00:00-01:00",
    " 2023-04-03T14:00:00",
    "2023-4-3T14:00:00",
    "1680530400",
  ])("rejects %j", (input) => {
    expect(parseTimestamp(input)).toBeUndefined();
  });
});

describe("formatTimestamp", () => {
  it("writes naive UTC without a fraction when milliseconds are zero", () => {
    expect(formatTimestamp(new Date("2023-02-27T00:00:00Z"))).toBe("2023-02-27T00:00:00");
  });

  it("writes the fraction as microseconds like Python's isoformat", () => {
    expect(formatTimestamp(new Date("2023-02-27T00:00:00.123Z"))).toBe("2023-02-27T00:00:00.123000");
    expect(formatTimestamp(new Date("2023-02-27T00:00:00.001Z"))).toBe("2023-02-27T00:00:00.001000");
  });
});

describe("windowCutoff", () => {
  const now = new Date("2026-03-10T09:30:00.250Z");

  it("is now plus N whole days", () => {
    expect(windowCutoff(now, 0)).toBe("2026-03-10T09:30:00.250000");
    expect(windowCutoff(now, 5)).toBe("2026-03-15T09:30:00.250000");
  });

  it("is unbounded beyond the last storable deadline", () => {
    expect(windowCutoff(now, 3_000_000)).toBeUndefined();
    expect(windowCutoff(now, Number.MAX_VALUE)).toBeUndefined();
  });
});
