// The TaskOverflow web UI: plain DOM code, no framework, no build step. It talks only to the API
// under /api/v1 on the same origin.

const api = "/api/v1/todos";

const form = document.getElementById("add-form");
const titleInput = document.getElementById("todo-title");
const descriptionInput = document.getElementById("todo-description");
const deadlineInput = document.getElementById("todo-deadline");
const addError = document.getElementById("add-error");
const list = document.getElementById("todo-list");
const empty = document.getElementById("todo-empty");
const count = document.getElementById("todo-count");
const listHeading = document.getElementById("todo-list-heading");
const statusLine = document.getElementById("status");
const template = document.getElementById("todo-template");
const exportButton = document.getElementById("export-button");
const exportStatus = document.getElementById("export-status");
const exportSlot = document.getElementById("export-download-slot");

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** Calls the API; resolves to the parsed JSON body, rejects with the API's `error` message. */
async function request(method, url, body) {
  const init = { method, headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
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

function announce(message) {
  statusLine.textContent = message;
}

function showError(element, message) {
  element.textContent = message;
  element.hidden = message === "";
}

/** The API's timestamps are UTC written without an offset ("2023-04-03T14:00:00"); shown in local time. */
function parseDeadline(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0)));
}

/**
 * datetime-local gives the user's wall-clock time ("YYYY-MM-DDTHH:MM"); the API stores UTC, so the picked
 * moment is sent in UTC, in the API's own naive form ("YYYY-MM-DDTHH:MM:SS").
 */
function deadlineForApi(value) {
  if (value === "") return undefined;
  const local = new Date(value);
  if (Number.isNaN(local.getTime())) return undefined;
  return local.toISOString().slice(0, 19);
}

function renderDeadline(element, todo) {
  element.replaceChildren();
  element.classList.remove("overdue");
  const when = todo.deadline_at ? parseDeadline(todo.deadline_at) : null;
  if (!when) {
    element.textContent = "No deadline";
    element.classList.add("none");
    return;
  }
  element.classList.remove("none");
  const time = document.createElement("time");
  time.dateTime = todo.deadline_at;
  time.textContent = dateFormat.format(when);
  element.append("Due ", time);
  if (!todo.completed && when.getTime() < Date.now()) {
    element.classList.add("overdue");
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "Overdue";
    element.append(" ", badge);
  }
}

function fillCard(card, todo) {
  card.dataset.todoId = String(todo.id);
  card.classList.toggle("completed", todo.completed);
  card.querySelector(".todo-check").checked = todo.completed;
  card.querySelector(".todo-title").textContent = todo.title;
  const description = card.querySelector(".todo-description");
  description.textContent = todo.description ?? "";
  description.hidden = !todo.description;
  renderDeadline(card.querySelector(".todo-deadline"), todo);
  card.querySelector(".todo-delete").setAttribute("aria-label", `Delete “${todo.title}”`);
}

function createCard(todo) {
  const card = template.content.firstElementChild.cloneNode(true);
  fillCard(card, todo);
  const check = card.querySelector(".todo-check");
  const error = card.querySelector(".todo-error");
  check.addEventListener("change", async () => {
    const completed = check.checked;
    showError(error, "");
    check.disabled = true;
    try {
      const updated = await request("PUT", `${api}/${card.dataset.todoId}`, { completed });
      fillCard(card, updated);
      announce(`Marked “${updated.title}” as ${updated.completed ? "done" : "not done"}.`);
    } catch (err) {
      check.checked = !completed;
      showError(error, err.message);
    } finally {
      check.disabled = false;
    }
  });
  const remove = card.querySelector(".todo-delete");
  remove.addEventListener("click", async () => {
    showError(error, "");
    remove.disabled = true;
    const title = card.querySelector(".todo-title").textContent;
    try {
      await request("DELETE", `${api}/${card.dataset.todoId}`);
      const next = card.nextElementSibling ?? card.previousElementSibling;
      card.remove();
      updateCount();
      (next?.querySelector(".todo-check") ?? listHeading).focus();
      announce(`Deleted “${title}”.`);
    } catch (err) {
      showError(error, err.message);
      remove.disabled = false;
    }
  });
  return card;
}

function updateCount() {
  const n = list.children.length;
  empty.hidden = n > 0;
  count.textContent = n > 0 ? `(${n})` : "";
}

async function loadTodos() {
  announce("Loading todos…");
  try {
    const todos = await request("GET", api);
    // Newest first, as the course UI showed them.
    const cards = [...todos].sort((a, b) => b.id - a.id).map(createCard);
    list.replaceChildren(...cards);
    updateCount();
    announce(todos.length === 1 ? "1 todo loaded." : `${todos.length} todos loaded.`);
  } catch (err) {
    announce(`Could not load todos: ${err.message}`);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(addError, "");
  const body = { title: titleInput.value.trim() };
  const description = descriptionInput.value.trim();
  if (description !== "") body.description = description;
  const deadline = deadlineForApi(deadlineInput.value);
  if (deadline !== undefined) body.deadline_at = deadline;
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const created = await request("POST", api, body);
    list.prepend(createCard(created));
    updateCount();
    form.reset();
    titleInput.focus();
    announce(`Added “${created.title}”.`);
  } catch (err) {
    showError(addError, err.message);
    titleInput.focus();
  } finally {
    submit.disabled = false;
  }
});

// Calendar export: start a job, poll its status until it settles, then offer the file.
const pollIntervalMs = 1000;
const pollLimit = 120;

/** The backend returns absolute URLs; fetch them on this origin so the page's CSP and cookies apply. */
function sameOrigin(url) {
  const u = new URL(url, window.location.href);
  return u.pathname + u.search;
}

const exportStates = {
  PENDING: "Waiting for the export to start…",
  STARTED: "Building your calendar…",
  SUCCESS: "Your calendar is ready.",
  FAILURE: "The export failed. Please try again.",
};

exportButton.addEventListener("click", async () => {
  exportButton.disabled = true;
  exportSlot.replaceChildren();
  exportStatus.classList.remove("error");
  exportStatus.textContent = "Requesting the export…";
  try {
    const job = await request("POST", `${api}/ical`);
    let state = "PENDING";
    let status = null;
    for (let i = 0; i < pollLimit; i++) {
      status = await request("GET", sameOrigin(job.task_url));
      state = status.task_status;
      exportStatus.textContent = exportStates[state] ?? `Export ${String(state).toLowerCase()}…`;
      if (state === "SUCCESS" || state === "FAILURE") break;
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
    if (state === "SUCCESS" && status) {
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
      if (state !== "FAILURE") exportStatus.textContent = "The export is taking too long. Please try again.";
    }
  } catch (err) {
    exportStatus.classList.add("error");
    exportStatus.textContent = `Export failed: ${err.message}`;
  } finally {
    exportButton.disabled = false;
  }
});

loadTodos();
