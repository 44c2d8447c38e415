// @ts-check
// The event explorer page: the topology with its depths, events arriving live (SSE), a request's timeline on
// click, and the dead-letter view with its redrive button. Plain DOM code like the todo UI, type-checked by tsc.
import { announce, byId, messageOf } from "../dom.js";
import { call, follow, token, Unauthorized } from "./api.js";
import { drawTopology } from "./topology.js";

/** @typedef {import("./api.js").RecordedEvent} RecordedEvent */

const MAX_EVENTS = 200;
const eventList = byId("event-list", HTMLOListElement);
const live = byId("live", HTMLElement);
/** @type {Set<string>} */
const shown = new Set();
/** @type {string | undefined} */
let chosenQueue;
let stopFollowing = () => {};

function askForToken() {
  const form = byId("token-form", HTMLFormElement);
  form.hidden = false;
  live.textContent = "locked";
  announce("This explorer needs its token.");
}

/** @param {unknown} err */
function report(err) {
  if (err instanceof Unauthorized) askForToken();
  else announce(messageOf(err));
}

/** @param {string} iso */
const clock = (iso) =>
  new Date(iso).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    fractionalSecondDigits: 3,
    hour12: false,
  });

/** @param {RecordedEvent} e @param {"new" | "old"} where */
function addEvent(e, where) {
  if (shown.has(e.id)) return;
  shown.add(e.id);
  const item = document.createElement("li");
  item.dataset.testid = "event";
  item.dataset.correlationId = e.correlationId;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "event";
  button.addEventListener("click", () => void showTimeline(e.correlationId));
  const type = document.createElement("strong");
  type.textContent = e.type;
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `${clock(e.occurredAt)} · ${e.producer} · ${e.correlationId} → ${e.routedTo.join(", ")}`;
  button.append(type, meta);
  item.append(button);
  if (where === "new") eventList.prepend(item);
  else eventList.append(item);
  while (eventList.children.length > MAX_EVENTS) eventList.lastElementChild?.remove();
}

/** @param {string} correlationId */
async function showTimeline(correlationId) {
  const list = byId("timeline-list", HTMLOListElement);
  const hint = byId("timeline-hint", HTMLElement);
  try {
    /** @type {{ events: RecordedEvent[] }} */
    const { events } = await call("GET", `/correlations/${encodeURIComponent(correlationId)}`);
    hint.textContent = `Request ${correlationId}: ${events.length} event${events.length === 1 ? "" : "s"}.`;
    const start = Date.parse(events[0]?.occurredAt ?? "");
    list.replaceChildren(
      ...events.map((e) => {
        const item = document.createElement("li");
        item.dataset.testid = "timeline-event";
        const type = document.createElement("strong");
        type.textContent = e.type;
        const meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = `+${Date.parse(e.occurredAt) - start} ms · ${e.producer} → ${e.routedTo.join(", ")}`;
        const payload = document.createElement("code");
        payload.textContent = e.payloadSummary + (e.payloadTruncated ? " …" : "");
        item.append(type, meta, payload);
        return item;
      }),
    );
  } catch (err) {
    report(err);
  }
}

async function refreshQueues() {
  try {
    /** @type {{ topic: string, queues: import("./api.js").QueueView[] }} */
    const { topic, queues } = await call("GET", "/queues");
    drawTopology(byId("topology-drawing", HTMLElement), topic, queues);
    const group = byId("dead-queues", HTMLFieldSetElement);
    if (group.querySelectorAll("button").length !== queues.length) {
      group.append(
        ...queues.map((q) => {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "button";
          b.dataset.testid = `dead-queue-${q.key}`;
          b.textContent = q.key;
          b.addEventListener("click", () => {
            chosenQueue = q.key;
            for (const other of group.querySelectorAll("button"))
              other.setAttribute("aria-pressed", String(other === b));
            void showDeadLetters();
          });
          return b;
        }),
      );
    }
  } catch (err) {
    report(err);
  }
}

async function showDeadLetters() {
  if (chosenQueue === undefined) return;
  const list = byId("dead-list", HTMLOListElement);
  try {
    /** @type {{ deadLetterQueue: string, messages: import("./api.js").DeadLetter[] }} */
    const { deadLetterQueue, messages } = await call(
      "GET",
      `/dead-letters/${encodeURIComponent(chosenQueue)}`,
    );
    byId("dead-summary", HTMLElement).textContent =
      `${deadLetterQueue}: ${messages.length} message${messages.length === 1 ? "" : "s"}${messages.length === 10 ? " (the first 10)" : ""}.`;
    list.replaceChildren(
      ...messages.map((m) => {
        const item = document.createElement("li");
        item.dataset.testid = "dead-letter";
        const head = document.createElement("span");
        head.className = "meta";
        head.textContent = `${m.type ?? "no type"} · received ${m.receiveCount}× · sent ${m.sentAt ? clock(m.sentAt) : "?"}`;
        const body = document.createElement("code");
        body.textContent = m.body;
        item.append(head, body);
        return item;
      }),
    );
    byId("redrive-button", HTMLButtonElement).disabled = messages.length === 0;
  } catch (err) {
    report(err);
  }
}

async function redrive() {
  if (chosenQueue === undefined) return;
  const button = byId("redrive-button", HTMLButtonElement);
  const status = byId("redrive-status", HTMLElement);
  button.disabled = true;
  try {
    /** @type {{ mode: string, moved: number }} */
    const result = await call("POST", `/dead-letters/${encodeURIComponent(chosenQueue)}/redrive`);
    status.textContent =
      result.mode === "copy"
        ? `Moved ${result.moved} message${result.moved === 1 ? "" : "s"} back to ${chosenQueue}.`
        : `SQS is moving the messages back to ${chosenQueue}.`;
  } catch (err) {
    report(err);
  }
  await showDeadLetters();
  await refreshQueues();
}

async function start() {
  try {
    /** @type {{ events: RecordedEvent[] }} */
    const { events } = await call("GET", "/events?limit=50");
    for (const e of events) addEvent(e, "old");
  } catch (err) {
    report(err);
    if (err instanceof Unauthorized) return;
  }
  stopFollowing();
  stopFollowing = follow(
    (e) => addEvent(e, "new"),
    (state) => {
      if (state === "unauthorized") askForToken();
      else live.textContent = state;
    },
  );
  await refreshQueues();
}

byId("token-form", HTMLFormElement).addEventListener("submit", (event) => {
  event.preventDefault();
  token.set(byId("token-input", HTMLInputElement).value.trim());
  byId("token-form", HTMLFormElement).hidden = true;
  announce("");
  void start();
});
byId("redrive-button", HTMLButtonElement).addEventListener("click", () => void redrive());
setInterval(() => void refreshQueues(), 2000);
void start();
