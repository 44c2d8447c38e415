// @ts-check
// Calendar export: start a job, poll its status until it settles, then offer the file.
import { request, sameOrigin, todosPath } from "./api.js";
import { byId, messageOf } from "./dom.js";

/** @typedef {import("./api.js").JobStatus} JobStatus */

/**
 * No client-side limit on how long a job may take: job-status ends every job within its JOB_TIMEOUT_SECONDS
 * (FAILURE when nothing is heard), so polling stops when the server says so, whatever that timeout is.
 * The interval grows from 1 s to 5 s, so a long job does not cost a request a second.
 * @param {number} attempt
 */
export const pollDelayMs = (attempt) => Math.min(5_000, 1_000 * 1.25 ** attempt);

/** @type {Record<string, string>} */
const exportStates = {
  PENDING: "Waiting for the export to start…",
  STARTED: "Building your calendar…",
  SUCCESS: "Your calendar is ready.",
  FAILURE: "The export failed. Please try again.",
};

export function wireExport() {
  const exportButton = byId("export-button", HTMLButtonElement);
  const exportStatus = byId("export-status", HTMLElement);
  const exportSlot = byId("export-download-slot", HTMLElement);
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportSlot.replaceChildren();
    exportStatus.classList.remove("error");
    exportStatus.textContent = "Requesting the export…";
    try {
      /** @type {import("./api.js").Task} */
      const job = await request("POST", `${todosPath}/ical`);
      /** @type {JobStatus} */
      let status;
      for (let attempt = 0; ; attempt++) {
        status = await request("GET", sameOrigin(job.task_url));
        const state = status.task_status;
        exportStatus.textContent = exportStates[state] ?? `Export ${String(state).toLowerCase()}…`;
        if (state === "SUCCESS" || state === "FAILURE") break;
        await new Promise((resolve) => setTimeout(resolve, pollDelayMs(attempt)));
      }
      if (status.task_status === "SUCCESS") {
        const link = document.createElement("a");
        link.className = "button primary";
        link.dataset.testid = "calendar-download";
        link.href = sameOrigin(status.result_url);
        link.download = "todos.ics";
        link.textContent = "Download calendar";
        exportSlot.replaceChildren(link);
        link.focus();
      } else {
        exportStatus.classList.add("error");
      }
    } catch (err) {
      exportStatus.classList.add("error");
      exportStatus.textContent = `Export failed: ${messageOf(err)}`;
    } finally {
      exportButton.disabled = false;
    }
  });
}
