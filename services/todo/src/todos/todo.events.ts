import type { VersionedTodo } from "./todo.domain.ts";
import type { TodoDb } from "./todo.repository.ts";

export interface EventMeta {
  /** The x-correlation-id of the request that caused the change. */
  correlationId: string;
  /** When the change happened. */
  at: Date;
}

/**
 * Records a todo's domain events inside the transaction that changed it, so a change and its event
 * commit (or roll back) together.
 */
export interface TodoEvents {
  created(trx: TodoDb, change: VersionedTodo, meta: EventMeta): Promise<void>;
  updated(trx: TodoDb, change: VersionedTodo, meta: EventMeta): Promise<void>;
  deleted(trx: TodoDb, change: VersionedTodo, meta: EventMeta): Promise<void>;
}
