// @ts-check
// Calendar subscription: the feed's address, as a webcal:// link (calendar apps open it and subscribe) and as
// the https (or http) address to copy into apps that ask for one (Google Calendar: "From URL").
import { todosPath } from "./api.js";
import { byId, messageOf } from "./dom.js";

/** The feed's absolute address on this origin, and its webcal:// form. @param {Location | URL} origin */
export function feedLinks(origin) {
  const https = new URL(`${todosPath}/calendar.ics`, origin.href).href;
  return { https, webcal: https.replace(/^https?:/, "webcal:") };
}

export function wireSubscribe() {
  const field = byId("subscribe-url", HTMLInputElement);
  const webcal = byId("subscribe-webcal", HTMLAnchorElement);
  const copy = byId("subscribe-copy", HTMLButtonElement);
  const status = byId("subscribe-status", HTMLElement);
  const links = feedLinks(window.location);
  field.value = links.https;
  webcal.href = links.webcal;
  field.addEventListener("focus", () => field.select());
  copy.addEventListener("click", async () => {
    status.classList.remove("error");
    try {
      await navigator.clipboard.writeText(links.https);
      status.textContent = "Link copied. Paste it into your calendar app's “subscribe” or “from URL” option.";
    } catch (err) {
      // No clipboard access (an insecure origin, or permission refused): leave it selected to copy by hand.
      field.focus();
      field.select();
      status.classList.add("error");
      status.textContent = `Could not copy (${messageOf(err)}): the address is selected, copy it with Ctrl+C.`;
    }
  });
}
