// @ts-check
// A calendar job's states as they change: pushed by the server (Server-Sent Events on
// GET /api/v1/todos/ical/{id}/events, the same JSON as the status endpoint), or polled from the status endpoint
// when the stream cannot be had (no EventSource, an error answer, a dropped connection).
import { request, sameOrigin, todosPath } from "./api.js";

/** @typedef {import("./api.js").JobStatus} JobStatus */
/** @typedef {import("./api.js").Task} Task */
/** @typedef {"events" | "polling"} UpdateSource */

/**
 * No client-side limit on how long a job may take: job-status ends every job within its JOB_TIMEOUT_SECONDS
 * (FAILURE when nothing is heard), so polling stops when the server says so, whatever that timeout is.
 * The interval grows from 1 s to 5 s, so a long job does not cost a request a second.
 * @param {number} attempt
 */
export const pollDelayMs = (attempt) => Math.min(5_000, 1_000 * 1.25 ** attempt);

/** @param {JobStatus} status */
const isFinal = (status) => status.task_status === "SUCCESS" || status.task_status === "FAILURE";

/**
 * Calls `onStatus` with each state of the job and how it arrived; resolves with the final status.
 * @param {Task} task
 * @param {(status: JobStatus, via: UpdateSource) => void} onStatus
 * @returns {Promise<JobStatus>}
 */
export function followJob(task, onStatus) {
  if (typeof EventSource !== "function") return pollJob(task, onStatus);
  return new Promise((resolve, reject) => {
    const source = new EventSource(`${todosPath}/ical/${encodeURIComponent(task.task_id)}/events`);
    source.onmessage = (message) => {
      /** @type {JobStatus} */
      let status;
      try {
        status = JSON.parse(message.data);
      } catch {
        return;
      }
      onStatus(status, "events");
      if (isFinal(status)) {
        source.close();
        resolve(status);
      }
    };
    source.onerror = () => {
      // Refused (a JSON error, a proxy that does not stream) or dropped: the status endpoint answers the same.
      source.close();
      pollJob(task, onStatus).then(resolve, reject);
    };
  });
}

/**
 * Polls the job's status until it is SUCCESS or FAILURE.
 * @param {Task} task
 * @param {(status: JobStatus, via: UpdateSource) => void} onStatus
 * @returns {Promise<JobStatus>}
 */
export async function pollJob(task, onStatus) {
  for (let attempt = 0; ; attempt++) {
    /** @type {JobStatus} */
    const status = await request("GET", sameOrigin(task.task_url));
    onStatus(status, "polling");
    if (isFinal(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, pollDelayMs(attempt)));
  }
}
