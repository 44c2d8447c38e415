import { describe, expect, it } from "@jest/globals";
import { bounds, createEvent } from "@taskoverflow/contracts";
import { ValidationError } from "@taskoverflow/platform";
import { parseCreate, parseId, parseListQuery, parsePageQuery, parseUpdate } from "./todo.schema.ts";

function rejection(fn: () => unknown): { message: string; code: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return { message: err.message, code: err.code };
    throw err;
  }
  throw new Error("expected a ValidationError");
}

describe("parseCreate", () => {
  it("applies defaults", () => {
    expect(parseCreate({ title: "t" })).toEqual({
      title: "t",
      description: null,
      completed: false,
      deadlineAt: null,
    });
  });

  it("normalises the deadline to naive UTC", () => {
    expect(parseCreate({ title: "t", deadline_at: "2023-04-03 14:00:00.000" }).deadlineAt).toBe(
      "2023-04-03T14:00:00",
    );
  });

  it("checks extra fields before the title", () => {
    expect(rejection(() => parseCreate({ id: 1 }))).toEqual({
      message: "extra fields",
      code: "extra_fields",
    });
  });

  it.each([{}, { title: null }, { description: "d" }])("says missing title for %j", (body) => {
    expect(rejection(() => parseCreate(body)).message).toBe("missing title");
  });

  it.each([null, [], "t", 5, undefined])("rejects the non-object body %j", (body) => {
    expect(rejection(() => parseCreate(body)).code).toBe("invalid_body");
  });

  it.each([
    [{ title: 1 }, "title must be a string"],
    [{ title: "" }, "title must be 1 to 80 characters"],
    [{ title: "x".repeat(81) }, "title must be 1 to 80 characters"],
    [{ title: "t", description: "d".repeat(121) }, "description must be at most 120 characters"],
    [{ title: "t", completed: 1 }, "completed must be a boolean"],
    [{ title: "t", deadline_at: 1 }, "deadline_at must be a timestamp string or null"],
    [{ title: "t", deadline_at: "soon" }, "deadline_at is not a valid timestamp"],
  ])("rejects %j: %s", (body, message) => {
    expect(rejection(() => parseCreate(body))).toEqual({ message, code: "invalid_field" });
  });

  it("counts characters, not UTF-16 units", () => {
    expect(parseCreate({ title: "😀".repeat(80) }).title).toHaveLength(160);
    expect(rejection(() => parseCreate({ title: "😀".repeat(81) })).code).toBe("invalid_field");
  });

  it("refuses control characters other than tab and newline, in titles and descriptions", () => {
    for (const c of ["\u0000", "\u0001", "\u0008", "\u000b", "\u000c", "\r", "\u001b", "\u001f", "\u007f"]) {
      expect(rejection(() => parseCreate({ title: `a${c}b` }))).toEqual({
        message: "title must not contain control characters (tab and newline are allowed)",
        code: "invalid_field",
      });
      expect(rejection(() => parseUpdate({ description: `a${c}b` })).message).toBe(
        "description must not contain control characters (tab and newline are allowed)",
      );
    }
    expect(parseCreate({ title: "a\tb", description: "line 1\nline 2" })).toMatchObject({
      title: "a\tb",
      description: "line 1\nline 2",
    });
    // Not control characters: U+0080..U+009F (C1) and U+2028 pass, as RFC 5545 TEXT allows them.
    expect(parseCreate({ title: "a\u0085\u2028b" }).title).toBe("a\u0085\u2028b");
  });

  it("refuses lone surrogates (JSON \\ud800 escapes), which cannot be stored or sent as UTF-8", () => {
    expect(rejection(() => parseCreate({ title: "x\ud800" })).message).toBe(
      "title must be valid Unicode (no lone surrogates)",
    );
    expect(rejection(() => parseUpdate({ description: "\udc00y" })).message).toBe(
      "description must be valid Unicode (no lone surrogates)",
    );
    expect(parseCreate({ title: "\ud83d\ude00" }).title).toBe("😀");
  });

  it("accepts exactly what a TodoCreated event can carry: boundary lengths", () => {
    const event = (title: string, description: string | null) => () =>
      createEvent(
        "TodoCreated",
        {
          todo: {
            id: 1,
            title,
            description,
            completed: false,
            deadlineAt: null,
            createdAt: "2023-02-27T00:00:00.000Z",
            updatedAt: "2023-02-27T00:00:00.000Z",
            version: 1,
          },
        },
        { correlationId: "c", producer: "todo" },
      );
    for (const [title, description] of [
      ["x", null],
      ["x".repeat(bounds.title.max), "y".repeat(bounds.description.max)],
      ["😀".repeat(bounds.title.max), ""],
    ] as const) {
      const draft = parseCreate({ title, description });
      expect(event(draft.title, draft.description)).not.toThrow();
    }
    expect(rejection(() => parseCreate({ title: "x".repeat(bounds.title.max + 1) })).code).toBe(
      "invalid_field",
    );
    expect(rejection(() => parseCreate({ title: "x", description: "y".repeat(121) })).code).toBe(
      "invalid_field",
    );
  });
});

describe("parseUpdate", () => {
  it("keeps only the keys sent, with null clearing", () => {
    expect(parseUpdate({ completed: true })).toEqual({ completed: true });
    expect(parseUpdate({ description: null, deadline_at: null })).toEqual({
      description: null,
      deadlineAt: null,
    });
    expect(parseUpdate({})).toEqual({});
  });

  it.each([{ id: 2 }, { created_at: "x" }, { updated_at: "x" }, { title: "t", extra: 1 }])(
    "rejects %j as extra fields",
    (body) => {
      expect(rejection(() => parseUpdate(body)).message).toBe("extra fields");
    },
  );

  it.each([{ title: null }, { completed: null }, { title: "" }, { deadline_at: "x" }])(
    "rejects %j",
    (body) => {
      expect(rejection(() => parseUpdate(body)).code).toBe("invalid_field");
    },
  );
});

describe("parseListQuery", () => {
  it("reads completed and window", () => {
    expect(parseListQuery({})).toEqual({});
    expect(parseListQuery({ completed: "false", window: "7" })).toEqual({ completed: false, windowDays: 7 });
    expect(parseListQuery({ completed: "true", other: "x" })).toEqual({ completed: true });
  });

  it.each([
    { completed: "yes" },
    { completed: "" },
    { completed: ["true", "false"] },
    { window: "-1" },
    { window: "1e3" },
    { window: ["1"] },
  ])("rejects %j", (query) => {
    expect(rejection(() => parseListQuery(query)).code).toBe("invalid_query");
  });

  it("takes a window past the shared bound as the bound (the same todos; an event can carry it)", () => {
    expect(parseListQuery({ window: String(bounds.windowDaysMax) })).toEqual({
      windowDays: bounds.windowDaysMax,
    });
    expect(parseListQuery({ window: String(bounds.windowDaysMax + 1) })).toEqual({
      windowDays: bounds.windowDaysMax,
    });
    expect(parseListQuery({ window: "9".repeat(400) })).toEqual({ windowDays: bounds.windowDaysMax });
  });
});

describe("parsePageQuery", () => {
  it("reads limit 1..1000 and after 0..2147483647", () => {
    expect(parsePageQuery({})).toEqual({});
    expect(parsePageQuery({ limit: "1" })).toEqual({ limit: 1 });
    expect(parsePageQuery({ limit: "1000", after: "0" })).toEqual({ limit: 1000, after: 0 });
    expect(parsePageQuery({ limit: "0010", after: "2147483647" })).toEqual({ limit: 10, after: 2147483647 });
  });

  it.each([
    [{ limit: "0" }, "limit must be an integer from 1 to 1000"],
    [{ limit: "1001" }, "limit must be an integer from 1 to 1000"],
    [{ limit: "" }, "limit must be an integer from 1 to 1000"],
    [{ limit: "-1" }, "limit must be an integer from 1 to 1000"],
    [{ limit: "1.5" }, "limit must be an integer from 1 to 1000"],
    [{ limit: ["1", "2"] }, "limit must be an integer from 1 to 1000"],
    [{ after: "2147483648" }, "after must be a todo id (a non-negative integer)"],
    [{ after: "-1" }, "after must be a todo id (a non-negative integer)"],
    [{ after: "x" }, "after must be a todo id (a non-negative integer)"],
  ])("rejects %j", (query, message) => {
    expect(rejection(() => parsePageQuery(query))).toEqual({ message, code: "invalid_query" });
  });
});

describe("parseId", () => {
  it("accepts stored ids only", () => {
    expect(parseId("1")).toBe(1);
    expect(parseId("2147483647")).toBe(2_147_483_647);
    for (const bad of ["0", "-1", "abc", "1.5", "2147483648", "", undefined])
      expect(parseId(bad)).toBeUndefined();
  });
});
