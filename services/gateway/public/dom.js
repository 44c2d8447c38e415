// @ts-check
// The page's elements, looked up once; a missing one is a bug in index.html and fails loudly.

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`index.html has no ${type.name} #${id}`);
  return element;
}

/**
 * @template {Element} T
 * @param {ParentNode} parent
 * @param {string} selector
 * @param {new () => T} type
 * @returns {T}
 */
export function find(parent, selector, type) {
  const element = parent.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`no ${type.name} ${selector}`);
  return element;
}

/** @param {HTMLElement} element @param {string} message */
export function showError(element, message) {
  element.textContent = message;
  element.hidden = message === "";
}

/** Read out by screen readers (the status line is a live region). @param {string} message */
export function announce(message) {
  byId("status", HTMLElement).textContent = message;
}

/** @param {unknown} err */
export function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}
