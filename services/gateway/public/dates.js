// @ts-check
// Deadlines: the API keeps UTC written without an offset; the page shows and picks local time.

export const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * The API's timestamps are UTC written without an offset ("2023-04-03T14:00:00"); shown in local time.
 * @param {string} value
 * @returns {Date | null}
 */
export function parseDeadline(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return null;
  const n = (/** @type {number} */ i) => Number(m[i] ?? 0);
  return new Date(Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6)));
}

/**
 * datetime-local gives the user's wall-clock time ("YYYY-MM-DDTHH:MM"); the API stores UTC, so the picked
 * moment is sent in UTC, in the API's own naive form ("YYYY-MM-DDTHH:MM:SS").
 * @param {string} value
 * @returns {string | undefined}
 */
export function deadlineForApi(value) {
  if (value === "") return undefined;
  const local = new Date(value);
  if (Number.isNaN(local.getTime())) return undefined;
  return local.toISOString().slice(0, 19);
}
