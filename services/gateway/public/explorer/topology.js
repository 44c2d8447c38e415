// @ts-check
// Draws the topology as SVG: the topic, one subscription per queue with its filter policy, the queue with its
// depths, the consumer, and the dead-letter queue under each queue with its depth.

const SVG = "http://www.w3.org/2000/svg";

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attributes
 * @param {string} [text]
 */
function el(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {import("./api.js").Counts} c */
const depth = (c) => (c === null ? "unreadable" : `${c.visible} / ${c.inFlight} / ${c.delayed}`);

/**
 * @param {HTMLElement} host
 * @param {string} topic
 * @param {import("./api.js").QueueView[]} queues
 */
export function drawTopology(host, topic, queues) {
  const rowHeight = 110;
  const height = Math.max(1, queues.length) * rowHeight + 10;
  const svg = el("svg", {
    viewBox: `0 0 900 ${height}`,
    role: "img",
    "aria-label": "Topology",
    class: "topology-svg",
  });
  const topicY = height / 2 - 22;
  svg.append(el("rect", { x: 5, y: topicY, width: 150, height: 44, rx: 10, class: "node topic" }));
  svg.append(el("text", { x: 80, y: topicY + 27, "text-anchor": "middle", class: "label" }, topic));
  queues.forEach((q, i) => {
    const y = 10 + i * rowHeight;
    const filter = q.filterPolicy === null ? "every event (no filter)" : q.filterPolicy.type.join(", ");
    svg.append(
      el("path", {
        d: `M155 ${topicY + 22} C 200 ${topicY + 22}, 200 ${y + 22}, 250 ${y + 22}`,
        class: "edge",
      }),
    );
    // The subscription: a box with its filter policy, wrapped on commas into at most three lines.
    const sub = el("g", { "data-testid": `subscription-${q.key}` });
    sub.append(el("rect", { x: 250, y: y - 4, width: 230, height: 52, rx: 6, class: "node subscription" }));
    /** @type {string[]} */
    const lines = [];
    for (const part of filter.split(", ")) {
      const last = lines.at(-1);
      if (last !== undefined && `${last}, ${part}`.length <= 30) lines[lines.length - 1] = `${last}, ${part}`;
      else lines.push(part);
    }
    lines.slice(0, 3).forEach((line, n) => {
      sub.append(el("text", { x: 258, y: y + 12 + n * 14, class: "filter" }, line));
    });
    sub.append(el("title", {}, `filter policy: ${filter}`));
    svg.append(sub);
    svg.append(el("line", { x1: 480, y1: y + 22, x2: 520, y2: y + 22, class: "edge" }));
    const queue = el("g", { "data-testid": `queue-${q.key}`, "data-depth": depth(q.counts) });
    queue.append(el("rect", { x: 520, y, width: 210, height: 44, rx: 8, class: "node queue" }));
    queue.append(el("text", { x: 530, y: y + 18, class: "label" }, q.name));
    queue.append(el("text", { x: 530, y: y + 36, class: "depth" }, depth(q.counts)));
    svg.append(queue);
    svg.append(el("line", { x1: 730, y1: y + 22, x2: 770, y2: y + 22, class: "edge" }));
    svg.append(el("rect", { x: 770, y: y + 4, width: 125, height: 36, rx: 18, class: "node consumer" }));
    svg.append(el("text", { x: 832, y: y + 27, "text-anchor": "middle", class: "label" }, q.key));
    svg.append(el("line", { x1: 625, y1: y + 44, x2: 625, y2: y + 58, class: "edge dashed" }));
    const dlq = el("g", { "data-testid": `dlq-${q.key}`, "data-depth": depth(q.deadLetter.counts) });
    const stuck = (q.deadLetter.counts?.visible ?? 0) > 0;
    dlq.append(
      el("rect", {
        x: 540,
        y: y + 58,
        width: 170,
        height: 34,
        rx: 8,
        class: `node dlq${stuck ? " stuck" : ""}`,
      }),
    );
    dlq.append(el("text", { x: 550, y: y + 80, class: "depth" }, `DLQ ${depth(q.deadLetter.counts)}`));
    svg.append(dlq);
  });
  host.replaceChildren(svg);
}
