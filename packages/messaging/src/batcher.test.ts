import { describe, expect, it } from "@jest/globals";
import { createBatcher } from "./batcher.ts";

describe("createBatcher", () => {
  it("hands the calls of one turn to run together and gives each caller its own answer", async () => {
    const batches: number[][] = [];
    const double = createBatcher<number, number>({
      run: async (xs) => {
        batches.push(xs);
        return xs.map((x) => x * 2);
      },
    });
    const answers = await Promise.all([1, 2, 3].map(double));
    expect(answers).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await double(5)).toBe(10);
    expect(batches).toEqual([[1, 2, 3], [5]]);
  });

  it("starts a batch as soon as maxSize items wait", async () => {
    const batches: number[][] = [];
    const same = createBatcher<number, number>({
      maxSize: 2,
      run: async (xs) => {
        batches.push(xs);
        return xs;
      },
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map(same))).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("fails every item of a batch that failed, and only that batch", async () => {
    let calls = 0;
    const flaky = createBatcher<number, number>({
      run: async (xs) => {
        calls += 1;
        if (calls === 1) throw new Error("database down");
        return xs;
      },
    });
    const first = [1, 2].map((x) => flaky(x).catch((err: Error) => err.message));
    expect(await Promise.all(first)).toEqual(["database down", "database down"]);
    expect(await flaky(3)).toBe(3);
  });

  it("rejects when run answers for a different number of items", async () => {
    const broken = createBatcher<number, number>({ run: async () => [1] });
    await expect(Promise.all([broken(1), broken(2)])).rejects.toThrow("batch answered 1 items for 2");
  });
});
