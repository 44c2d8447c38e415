import { TodoState } from "@taskoverflow/contracts";
import { z } from "zod";
import type { TodoSnapshot } from "./todo.repository.ts";

/** Where a complete copy of the todos comes from (the todo service). */
export interface TodoSnapshotSource {
  fetch(): Promise<TodoSnapshot>;
}

const Snapshot = z.object({ sequence: z.number().int().nonnegative(), todos: z.array(TodoState) });

/** `GET <todo service>/internal/v1/todos/snapshot`: todos and outbox sequence read in one transaction. */
export function httpTodoSnapshotSource(baseUrl: string, timeoutMs = 30_000): TodoSnapshotSource {
  return {
    async fetch() {
      const url = new URL("/internal/v1/todos/snapshot", baseUrl);
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`todo snapshot: ${url} answered ${res.status}`);
      return Snapshot.parse(await res.json());
    },
  };
}
