// @ts-check
// The API under /api/v1 on the same origin: the only thing the UI talks to.

export const todosPath = "/api/v1/todos";

/**
 * @typedef {{ id: number, title: string, description: string | null, completed: boolean,
 *   deadline_at: string | null, created_at: string, updated_at: string }} Todo
 * @typedef {{ task_id: string, task_url: string }} Task
 * @typedef {"PENDING" | "STARTED" | "SUCCESS" | "FAILURE"} TaskStatus
 * @typedef {{ task_id: string, task_status: TaskStatus, result_url: string }} JobStatus
 */

/**
 * Calls the API; resolves to the parsed JSON body, rejects with the API's `error` message.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function request(method, url, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  /** @type {RequestInit} */
  const init = { method, headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new Error("Cannot reach the server. Check your connection and try again.");
  }
  const text = await res.text();
  let data = null;
  try {
    data = text === "" ? null : JSON.parse(text);
  } catch {
    data = null;
  }
  if (!res.ok) {
    const message = data && typeof data.error === "string" ? data.error : `Request failed (${res.status})`;
    throw new Error(message);
  }
  return data;
}

/**
 * The backend returns absolute URLs; fetch them on this origin so the page's CSP and cookies apply.
 * @param {string} url
 */
export function sameOrigin(url) {
  const u = new URL(url, window.location.href);
  return u.pathname + u.search;
}
