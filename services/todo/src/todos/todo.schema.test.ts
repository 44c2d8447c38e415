import { describe, expect, it } from "@jest/globals";
import { ValidationError } from "@taskoverflow/platform";
import { parseCreate, parseId, parseListQuery, parseUpdate } from "./todo.schema.ts";

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
});

describe("parseId", () => {
  it("accepts stored ids only", () => {
    expect(parseId("1")).toBe(1);
    expect(parseId("2147483647")).toBe(2_147_483_647);
    for (const bad of ["0", "-1", "abc", "1.5", "2147483648", "", undefined])
      expect(parseId(bad)).toBeUndefined();
  });
});
