import { Router } from "@koa/router";
import { NotFoundError, type RequestState, ValidationError } from "@taskoverflow/platform";
import { EXPLORER_PREFIX } from "../events/event.routes.ts";
import type { QueueInspector } from "./queue.inspector.ts";

const PEEK_MAX = 50;

/** Queue depths, the peek into a dead-letter queue and its redrive. */
export function queueRoutes({
  inspector,
  topicName,
}: {
  inspector: QueueInspector;
  topicName: string;
}): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: EXPLORER_PREFIX });

  const queueOf = (key: string | undefined) => {
    const q = inspector.queueOf(key ?? "");
    if (!q) throw new NotFoundError("Queue not found", "queue_not_found");
    return q;
  };

  router.get("/queues", async (ctx) => {
    ctx.set("Cache-Control", "no-store");
    ctx.body = { topic: topicName, queues: await inspector.queues() };
  });

  router.get("/dead-letters/:queue", async (ctx) => {
    const q = queueOf(ctx.params.queue);
    const raw = ctx.query.limit;
    if (Array.isArray(raw)) throw new ValidationError("limit may be given once");
    if (raw !== undefined && !(/^\d{1,2}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= PEEK_MAX))
      throw new ValidationError(`limit must be an integer from 1 to ${PEEK_MAX}`);
    const messages = await inspector.peek(q, Number(raw ?? 10));
    ctx.set("Cache-Control", "no-store");
    ctx.body = { queue: q.key, deadLetterQueue: q.dlqName, messages };
  });

  router.post("/dead-letters/:queue/redrive", async (ctx) => {
    const q = queueOf(ctx.params.queue);
    const result = await inspector.redrive(q);
    ctx.state.log.info({ queue: q.key, ...result }, "dead letters redriven");
    // A move task runs on in SQS (202); a copy has finished when we answer (200).
    ctx.status = result.mode === "move-task" ? 202 : 200;
    ctx.body = { queue: q.key, ...result };
  });

  return router;
}
