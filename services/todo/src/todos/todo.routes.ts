import { Router } from "@koa/router";
import { jsonBody, matchesAny, NotFoundError, type RequestState } from "@taskoverflow/platform";
import type Koa from "koa";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.ts";
import type { TodoServiceTables } from "../db/tables.ts";
import { type ListCache, listCacheKey } from "./todo.list-cache.ts";
import { todoEventEnvelope } from "./todo.outbox.ts";
import { sendPage } from "./todo.page.ts";
import type { TodoRepository } from "./todo.repository.ts";
import { parseCreate, parseId, parseListQuery, parseUpdate } from "./todo.schema.ts";
import { formatTimestamp, windowCutoff } from "./todo.time.ts";

export interface TodoRouteDeps {
  db: Kysely<TodoServiceTables>;
  todos: TodoRepository;
  clock: Clock;
  /** Event ids (tests make them deterministic). */
  newId?: () => string;
  /** Called after a transaction that wrote events committed: wakes the outbox relay. */
  onCommitted?: () => void;
  /** PUBLIC_URL: the origin of the paging `Link` header (see publicOrigin). */
  publicUrl?: string | undefined;
  /** The whole list's cache (validated by the database on every hit); absent: every list is read. */
  listCache?: ListCache | undefined;
}

const notFound = () => new NotFoundError("Todo not found", "todo_not_found");

/** Sends JSON text built by PostgreSQL as is. */
function sendJsonText(ctx: Koa.Context, body: string): void {
  ctx.type = "application/json";
  ctx.body = body;
}

export function todoRoutes({
  db,
  todos,
  clock,
  newId,
  onCommitted,
  publicUrl,
  listCache,
}: TodoRouteDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: "/api/v1" });

  router.get("/todos", async (ctx) => {
    const filter = parseListQuery(ctx.query);
    const cutoff = filter.windowDays === undefined ? undefined : windowCutoff(clock.now(), filter.windowDays);
    if (await sendPage(ctx, db, filter, cutoff, publicUrl)) return;
    if (listCache !== undefined && listCacheKey(filter) !== undefined) {
      const { body, etag } = await listCache.get(db, filter);
      ctx.status = 200;
      ctx.type = "application/json";
      ctx.set("ETag", etag);
      // If-None-Match naming the current list (RFC 9110 §13.1.2): 304. Not Koa's ctx.fresh: it answers "stale" to
      // Cache-Control: no-cache, which fetch() adds to every conditional request (a directive for caches).
      if (matchesAny(ctx.get("if-none-match"), [etag])) ctx.status = 304;
      else ctx.body = body;
      return;
    }
    sendJsonText(ctx, await todos.listJson(db, filter, cutoff));
  });

  router.get("/todos/:id", async (ctx) => {
    const id = parseId(ctx.params.id);
    const body = id === undefined ? undefined : await todos.findJson(db, id);
    if (body === undefined) throw notFound();
    sendJsonText(ctx, body);
  });

  const meta = (ctx: Koa.ParameterizedContext<RequestState>, at: Date) => ({
    correlationId: ctx.state.correlationId,
    at,
  });

  router.post("/todos", ...jsonBody(), async (ctx) => {
    const draft = parseCreate(ctx.request.body);
    const at = clock.now();
    const event = todoEventEnvelope("TodoCreated", meta(ctx, at), newId);
    const body = await todos.create(db, draft, formatTimestamp(at), event);
    onCommitted?.();
    ctx.status = 201;
    sendJsonText(ctx, body);
  });

  router.put("/todos/:id", ...jsonBody(), async (ctx) => {
    // Body first: extra fields are a 400 even for a todo that does not exist.
    const changes = parseUpdate(ctx.request.body);
    const id = parseId(ctx.params.id);
    if (id === undefined) throw notFound();
    const at = clock.now();
    const event = todoEventEnvelope("TodoUpdated", meta(ctx, at), newId);
    const body = await todos.update(db, id, changes, formatTimestamp(at), event);
    if (body === undefined) throw notFound();
    onCommitted?.();
    sendJsonText(ctx, body);
  });

  router.delete("/todos/:id", async (ctx) => {
    const id = parseId(ctx.params.id);
    const event = todoEventEnvelope("TodoDeleted", meta(ctx, clock.now()), newId);
    const body = id === undefined ? undefined : await todos.delete(db, id, event);
    if (body === undefined) {
      ctx.body = {};
      return;
    }
    onCommitted?.();
    sendJsonText(ctx, body);
  });

  return router;
}
