import { UpstreamError } from "@taskoverflow/platform";

/** Whether the system issued a task id: the todo service records every job when it answers 202. */
export interface IssuedJobs {
  /** Resolves true/false; throws when the answer cannot be known (then status must not say 404). */
  wasIssued(id: string): Promise<{ requestedAt: string } | undefined>;
}

/** `GET <todo service>/internal/v1/calendar-requests/:id`: 200 issued, 404 not. */
export function httpIssuedJobs(todoServiceUrl: string, timeoutMs = 3_000): IssuedJobs {
  return {
    async wasIssued(id) {
      const url = new URL(`/internal/v1/calendar-requests/${encodeURIComponent(id)}`, todoServiceUrl);
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new UpstreamError(503, "Task status is temporarily unavailable", "todo_unreachable", {
          cause: err,
        });
      }
      if (res.status === 404) return undefined;
      if (!res.ok) throw new UpstreamError(503, "Task status is temporarily unavailable", "todo_unavailable");
      const body = (await res.json()) as { requestedAt: string };
      return { requestedAt: body.requestedAt };
    },
  };
}

/**
 * Remembers the ids `inner` said were issued (at most `max`, the oldest forgotten first): an issued id stays
 * issued, with the same request time, so a client polling a job that job-status has not heard of yet asks the
 * todo service once, not on every poll. "Not issued" and errors are never remembered.
 */
export function rememberIssued(inner: IssuedJobs, max = 10_000): IssuedJobs {
  const known = new Map<string, { requestedAt: string }>();
  return {
    async wasIssued(id) {
      const remembered = known.get(id);
      if (remembered) return remembered;
      const answer = await inner.wasIssued(id);
      if (answer === undefined) return undefined;
      known.set(id, answer);
      if (known.size > max) known.delete(known.keys().next().value as string);
      return answer;
    },
  };
}
