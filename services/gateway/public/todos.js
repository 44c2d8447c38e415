// @ts-check
// The todo list and the add form.
import { request, todosPath } from "./api.js";
import { dateFormat, deadlineForApi, parseDeadline } from "./dates.js";
import { announce, byId, find, messageOf, showError } from "./dom.js";

/** @typedef {import("./api.js").Todo} Todo */

const list = byId("todo-list", HTMLElement);
const empty = byId("todo-empty", HTMLElement);
const count = byId("todo-count", HTMLElement);
const listHeading = byId("todo-list-heading", HTMLElement);
const template = byId("todo-template", HTMLTemplateElement);

/** @param {HTMLElement} element @param {Todo} todo */
function renderDeadline(element, todo) {
  element.replaceChildren();
  element.classList.remove("overdue");
  const when = todo.deadline_at ? parseDeadline(todo.deadline_at) : null;
  if (!todo.deadline_at || !when) {
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

/** @param {HTMLElement} card @param {Todo} todo */
function fillCard(card, todo) {
  card.dataset.todoId = String(todo.id);
  card.classList.toggle("completed", todo.completed);
  find(card, ".todo-check", HTMLInputElement).checked = todo.completed;
  find(card, ".todo-title", HTMLElement).textContent = todo.title;
  const description = find(card, ".todo-description", HTMLElement);
  description.textContent = todo.description ?? "";
  description.hidden = !todo.description;
  renderDeadline(find(card, ".todo-deadline", HTMLElement), todo);
  find(card, ".todo-delete", HTMLButtonElement).setAttribute("aria-label", `Delete “${todo.title}”`);
}

/** @param {Todo} todo @returns {HTMLElement} */
function createCard(todo) {
  const card = /** @type {HTMLElement} */ (template.content.firstElementChild?.cloneNode(true));
  fillCard(card, todo);
  const check = find(card, ".todo-check", HTMLInputElement);
  const error = find(card, ".todo-error", HTMLElement);
  check.addEventListener("change", async () => {
    const completed = check.checked;
    showError(error, "");
    check.disabled = true;
    try {
      /** @type {Todo} */
      const updated = await request("PUT", `${todosPath}/${card.dataset.todoId}`, { completed });
      fillCard(card, updated);
      announce(`Marked “${updated.title}” as ${updated.completed ? "done" : "not done"}.`);
    } catch (err) {
      check.checked = !completed;
      showError(error, messageOf(err));
    } finally {
      check.disabled = false;
    }
  });
  const remove = find(card, ".todo-delete", HTMLButtonElement);
  remove.addEventListener("click", async () => {
    showError(error, "");
    remove.disabled = true;
    const title = find(card, ".todo-title", HTMLElement).textContent;
    try {
      await request("DELETE", `${todosPath}/${card.dataset.todoId}`);
      const next = card.nextElementSibling ?? card.previousElementSibling;
      card.remove();
      updateCount();
      /** @type {HTMLElement} */ (next?.querySelector(".todo-check") ?? listHeading).focus();
      announce(`Deleted “${title}”.`);
    } catch (err) {
      showError(error, messageOf(err));
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

export async function loadTodos() {
  announce("Loading todos…");
  try {
    /** @type {Todo[]} */
    const todos = await request("GET", todosPath);
    // Newest first, as the course UI showed them.
    const cards = [...todos].sort((a, b) => b.id - a.id).map(createCard);
    list.replaceChildren(...cards);
    updateCount();
    announce(todos.length === 1 ? "1 todo loaded." : `${todos.length} todos loaded.`);
  } catch (err) {
    announce(`Could not load todos: ${messageOf(err)}`);
  }
}

export function wireAddForm() {
  const form = byId("add-form", HTMLFormElement);
  const titleInput = byId("todo-title", HTMLInputElement);
  const descriptionInput = byId("todo-description", HTMLTextAreaElement);
  const deadlineInput = byId("todo-deadline", HTMLInputElement);
  const addError = byId("add-error", HTMLElement);
  const submit = find(form, "button[type=submit]", HTMLButtonElement);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(addError, "");
    /** @type {{ title: string, description?: string, deadline_at?: string }} */
    const body = { title: titleInput.value.trim() };
    const description = descriptionInput.value.trim();
    if (description !== "") body.description = description;
    const deadline = deadlineForApi(deadlineInput.value);
    if (deadline !== undefined) body.deadline_at = deadline;
    submit.disabled = true;
    try {
      /** @type {Todo} */
      const created = await request("POST", todosPath, body);
      list.prepend(createCard(created));
      updateCount();
      form.reset();
      titleInput.focus();
      announce(`Added “${created.title}”.`);
    } catch (err) {
      showError(addError, messageOf(err));
      titleInput.focus();
    } finally {
      submit.disabled = false;
    }
  });
}
