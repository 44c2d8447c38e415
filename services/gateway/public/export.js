// @ts-check
// Calendar export: start a job, follow its status until it settles (pushed, or polled: job-updates.js), then
// offer the file.
import { request, sameOrigin, todosPath } from "./api.js";
import { byId, messageOf } from "./dom.js";
import { followJob } from "./job-updates.js";

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
    delete exportStatus.dataset.updates;
    exportStatus.textContent = "Requesting the export…";
    try {
      /** @type {import("./api.js").Task} */
      const job = await request("POST", `${todosPath}/ical`);
      const status = await followJob(job, (update, via) => {
        const state = update.task_status;
        exportStatus.textContent = exportStates[state] ?? `Export ${String(state).toLowerCase()}…`;
        // How the last state arrived ("events": pushed, "polling": asked for), for tests and curious users.
        exportStatus.dataset.updates = via;
      });
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
