// Keyset paging of GET /api/v1/todos, the contract's exact error bodies, and input the events could not carry.
import { describe, expect, it } from "@jest/globals";
import { type Backend, backends, useTodo } from "./todo.fixture.ts";

describe.each(backends)("todo list paging on %s", (backend: Backend) => {
  const service = useTodo(backend);

  const create = async (title: string, completed = false) => {
    const res = await service.todo.request("POST", "/api/v1/todos", { title, completed });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: number }).id;
  };
  const page = async (query: string) => {
    const res = await service.todo.request("GET", `/api/v1/todos${query}`);
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as Array<{ id: number }>).map((t) => t.id);
    return { ids, link: res.headers.get("link") };
  };
  /** The `after` of a Link header's next URL, checking its form. */
  const nextOf = (link: string | null) => {
    const m = /^<([^>]+)>; rel="next"$/.exec(link ?? "");
    expect(m).not.toBeNull();
    const next = new URL((m as RegExpExecArray)[1] as string);
    expect(next.origin).toBe(service.todo.url);
    expect(next.pathname).toBe("/api/v1/todos");
    return next;
  };

  it("answers the whole list without parameters, and no Link", async () => {
    for (let i = 1; i <= 3; i++) await create(`t${i}`);
    expect(await page("")).toEqual({ ids: [1, 2, 3], link: null });
  });

  it("pages with limit: a Link to the next page while one may follow, none on the last", async () => {
    for (let i = 1; i <= 5; i++) await create(`t${i}`);
    const first = await page("?limit=2");
    expect(first.ids).toEqual([1, 2]);
    const second = nextOf(first.link);
    expect(Object.fromEntries(second.searchParams)).toEqual({ limit: "2", after: "2" });
    const p2 = await page(second.search);
    expect(p2.ids).toEqual([3, 4]);
    const p3 = await page(nextOf(p2.link).search);
    expect(p3).toEqual({ ids: [5], link: null });
    // Exactly a full last page: a Link, and the page after it is empty without one.
    const exact = await page("?limit=5");
    expect(exact).toEqual({ ids: [1, 2, 3, 4, 5], link: null });
    const four = await page("?limit=4&after=1");
    expect(four).toEqual({ ids: [2, 3, 4, 5], link: null });
    expect(await page("?after=5")).toEqual({ ids: [], link: null });
    expect((await page("?limit=1000")).ids).toHaveLength(5);
    expect((await page("?limit=1")).ids).toEqual([1]);
  });

  it("keeps the filters in the next link", async () => {
    for (let i = 1; i <= 6; i++) await create(`t${i}`, i % 2 === 0);
    const first = await page("?completed=true&limit=2");
    expect(first.ids).toEqual([2, 4]);
    const next = nextOf(first.link);
    expect(next.searchParams.get("completed")).toBe("true");
    expect(await page(next.search)).toEqual({ ids: [6], link: null });
  });

  it("is stable under concurrent inserts and deletes: nothing skipped, nothing twice", async () => {
    for (let i = 1; i <= 4; i++) await create(`t${i}`);
    const first = await page("?limit=2");
    expect(first.ids).toEqual([1, 2]);
    // Between the pages: a todo of the first page and one of the next are deleted, two are added.
    await service.todo.request("DELETE", "/api/v1/todos/1");
    await service.todo.request("DELETE", "/api/v1/todos/3");
    await create("t5");
    await create("t6");
    const second = await page(nextOf(first.link).search);
    expect(second.ids).toEqual([4, 5]);
    const third = await page(nextOf(second.link).search);
    expect(third).toEqual({ ids: [6], link: null });
  });

  it.each([
    ["?limit=0", "limit must be an integer from 1 to 1000"],
    ["?limit=1001", "limit must be an integer from 1 to 1000"],
    ["?limit=abc", "limit must be an integer from 1 to 1000"],
    ["?limit=", "limit must be an integer from 1 to 1000"],
    ["?limit=1&limit=2", "limit must be an integer from 1 to 1000"],
    ["?limit=2&after=-1", "after must be a todo id (a non-negative integer)"],
    ["?after=2147483648", "after must be a todo id (a non-negative integer)"],
  ])("answers 400 for %s with exactly {error}", async (query, error) => {
    const res = await service.todo.request("GET", `/api/v1/todos${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("x-error-code")).toBe("invalid_query");
    expect(await res.json()).toEqual({ error });
  });
});

describe.each(backends)("exact contract bodies and refused input on %s", (backend: Backend) => {
  const service = useTodo(backend);

  it("answers the contract's error bodies exactly, with the code in X-Error-Code only", async () => {
    const cases: Array<[Promise<Response>, number, string, string]> = [
      [service.todo.request("GET", "/api/v1/todos/999"), 404, "Todo not found", "todo_not_found"],
      [
        service.todo.request("PUT", "/api/v1/todos/999", { title: "x" }),
        404,
        "Todo not found",
        "todo_not_found",
      ],
      [
        service.todo.request("POST", "/api/v1/todos", { title: "x", id: 5 }),
        400,
        "extra fields",
        "extra_fields",
      ],
      [service.todo.request("PUT", "/api/v1/todos/999", { id: 2 }), 400, "extra fields", "extra_fields"],
      [
        service.todo.request("POST", "/api/v1/todos", { description: "d" }),
        400,
        "missing title",
        "missing_title",
      ],
    ];
    for (const [pending, status, error, code] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      expect(res.headers.get("x-error-code")).toBe(code);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await res.text()).toBe(JSON.stringify({ error }));
    }
  });

  it("refuses control characters and lone surrogates, and stores nothing", async () => {
    for (const body of [
      '{"title":"bell\\u0007"}',
      '{"title":"cr\\r"}',
      '{"title":"ok","description":"esc\\u001b[31m"}',
      '{"title":"del\\u007f"}',
      '{"title":"lone \\ud800 surrogate"}',
      '{"title":"ok","description":"\\udfff"}',
    ]) {
      const res = await service.todo.request("POST", "/api/v1/todos", body);
      expect(res.status).toBe(400);
      expect(Object.keys((await res.json()) as object)).toEqual(["error"]);
    }
    const ok = await service.todo.request(
      "POST",
      "/api/v1/todos",
      '{"title":"tab\\there","description":"a\\nb"}',
    );
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ id: 1, title: "tab\there", description: "a\nb" });
  });
});
