import { Router } from "@koa/router";
import { currentSequence } from "@taskoverflow/messaging";
import type { RequestState } from "@taskoverflow/platform";
import type { Kysely } from "kysely";
import type { TodoServiceTables } from "../db/tables.ts";
import type { TodoRepository } from "./todo.repository.ts";

/**
 * Service-to-service routes, not proxied by the gateway. The snapshot lets a consumer (the calendar)
 * seed its projection: every todo in event form plus the outbox sequence that state corresponds to, so it
 * applies only events with a higher `sequence` afterwards.
 */
export function todoInternalRoutes(
  db: Kysely<TodoServiceTables>,
  todos: TodoRepository,
): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: "/internal/v1" });
  router.get("/todos/snapshot", async (ctx) => {
    ctx.body = await db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        const sequence = await currentSequence(trx);
        return { sequence, todos: await todos.states(trx) };
      });
  });
  return router;
}
