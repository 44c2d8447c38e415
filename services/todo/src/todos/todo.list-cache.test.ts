import { describe, expect, it } from "@jest/globals";
import { createListCache, listCacheKey } from "./todo.list-cache.ts";
import { TodoRepository } from "./todo.repository.ts";

describe("createListCache", () => {
  const repo = new TodoRepository();
  const options = { maxBytes: 1, retainPublishedMs: 4_000 };

  it("refuses an entry age bound that is not well below the outbox retention", () => {
    expect(() => createListCache(repo, { ...options, maxAgeMs: 1_001 })).toThrow(/a quarter of the outbox/);
    expect(() => createListCache(repo, { ...options, maxAgeMs: 0 })).toThrow(/must be positive/);
    expect(createListCache(repo, { ...options, maxAgeMs: 1_000 }).stats).toEqual({
      reads: 0,
      hits: 0,
      statements: 0,
    });
  });

  it("keys the whole list by completed only; window lists have no key", () => {
    expect([{}, { completed: true }, { completed: false }].map(listCacheKey)).toEqual([
      "all",
      "true",
      "false",
    ]);
    expect(listCacheKey({ windowDays: 7 })).toBeUndefined();
    expect(listCacheKey({ completed: true, windowDays: 0 })).toBeUndefined();
  });
});
