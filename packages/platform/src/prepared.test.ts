import { describe, expect, it } from "@jest/globals";
import { MAX_PREPARED, preparedName } from "./prepared.ts";

describe("preparedName", () => {
  it("names each text once, with distinct names, and stops naming new texts when the registry is full", () => {
    const first = preparedName("SELECT $1::int AS a");
    expect(first).toMatch(/^taskoverflow_\d+$/);
    expect(preparedName("SELECT $1::int AS a")).toBe(first);
    const second = preparedName("SELECT $1::int AS b");
    expect(second).not.toBe(first);
    const names = new Set([first, second]);
    for (let i = 0; i < MAX_PREPARED; i++) names.add(preparedName(`SELECT $1::int AS c${i}`));
    names.delete(undefined);
    expect(names.size).toBe(MAX_PREPARED);
    expect(preparedName("SELECT $1::int AS late")).toBeUndefined();
    expect(preparedName("SELECT $1::int AS a")).toBe(first);
  });
});
