import { bounds } from "@taskoverflow/contracts";
import { publicOrigin } from "@taskoverflow/platform";
import type Koa from "koa";
import type { TodoFilter } from "./todo.domain.ts";
import type { TodoDb } from "./todo.repository.ts";
import { parsePageQuery } from "./todo.schema.ts";

export interface PageRequest {
  /** 1..1000. */
  limit: number;
  /** Only ids greater than this (the last id of the previous page); 0 or absent: from the start. */
  after?: number | undefined;
}

export interface Page {
  /** The page's todos as a JSON array text, in id order. */
  body: string;
  /** The id to continue after, when more todos may follow (a full page); undefined on the last page. */
  nextAfter: number | undefined;
}

/**
 * One page of the list, keyset-paged on id: `WHERE id > after ORDER BY id LIMIT limit`. Stable under concurrent
 * writes: an insert gets a larger id (it shows up on a later page), a delete shifts nothing, so no todo is
 * skipped or shown twice. One row more than asked tells whether a next page exists.
 */
export async function listPageJson(
  db: TodoDb,
  filter: TodoFilter,
  cutoff: string | undefined,
  { limit, after = 0 }: PageRequest,
): Promise<Page> {
  let query = db
    .selectFrom("todos")
    // Each row keeps its API JSON (rendered by a trigger), as the whole list uses it.
    .select(["id", "api_json as body"])
    .where("id", ">", after);
  if (filter.completed !== undefined) query = query.where("completed", "=", filter.completed);
  if (filter.windowDays !== undefined) {
    query =
      cutoff === undefined
        ? query.where("deadline_at", "is not", null)
        : query.where("deadline_at", "<=", cutoff);
  }
  const rows = await query
    .orderBy("id")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    body: `[${page.map((r) => r.body).join(",")}]`,
    nextAfter: rows.length > limit && last ? last.id : undefined,
  };
}

/**
 * `GET /api/v1/todos` with `limit` and/or `after`: one page and, when more may follow, its `Link` header.
 * `after` alone pages with the largest limit. Answers false when the request asks for no page (the whole list).
 */
export async function sendPage(
  ctx: Koa.Context,
  db: TodoDb,
  filter: TodoFilter,
  cutoff: string | undefined,
  publicUrl: string | undefined,
): Promise<boolean> {
  const { limit, after } = parsePageQuery(ctx.query);
  if (limit === undefined && after === undefined) return false;
  const page = await listPageJson(db, filter, cutoff, { limit: limit ?? bounds.pageLimit.max, after });
  if (page.nextAfter !== undefined) {
    ctx.set("Link", nextLink(publicOrigin(ctx, publicUrl), ctx.query, page.nextAfter));
  }
  ctx.type = "application/json";
  ctx.body = page.body;
  return true;
}

/** The RFC 8288 `Link` header naming the next page: the same query with `after` moved on. */
export function nextLink(origin: string, query: Record<string, unknown>, nextAfter: number): string {
  const params = new URLSearchParams();
  for (const name of ["completed", "window", "limit"]) {
    const value = query[name];
    if (typeof value === "string") params.set(name, value);
  }
  params.set("after", String(nextAfter));
  return `<${origin}/api/v1/todos?${params.toString()}>; rel="next"`;
}
