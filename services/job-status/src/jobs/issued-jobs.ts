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
