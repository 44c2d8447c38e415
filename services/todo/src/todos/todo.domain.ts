/** A todo as the API shows it (and as events carry it); timestamps are naive UTC strings. */
export interface Todo {
  id: number;
  title: string;
  description: string | null;
  completed: boolean;
  deadline_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A todo with its per-todo version, bumped on every change; events carry it. */
export interface VersionedTodo {
  todo: Todo;
  version: number;
}

/** A validated create request, defaults applied. */
export interface TodoDraft {
  title: string;
  description: string | null;
  completed: boolean;
  deadlineAt: string | null;
}

/** A validated partial update: only the keys the client sent. */
export interface TodoChanges {
  title?: string;
  description?: string | null;
  completed?: boolean;
  deadlineAt?: string | null;
}

export interface TodoFilter {
  completed?: boolean;
  windowDays?: number;
}
