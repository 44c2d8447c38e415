// The explorer page in Chromium, through the gateway, against the whole running system with EXPLORER_TOKEN set:
// the token form, the topology with its depths, an event arriving live and its timeline, a dead letter and its
// redrive. Plain static files under the page's Content-Security-Policy (same origin only).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { todoEvent } from "@taskoverflow/contracts/testing";
import { clientsFor, type EndpointClients, launchChromium, sendRaw } from "@taskoverflow/test-harness";
import { startTestStack } from "./test-stack.ts";

type Browser = Awaited<ReturnType<typeof launchChromium>>;

const TOKEN = "ui-explorer-token-0123456789";
const system = startTestStack({
  logLevel: "warn",
  topology: { prefix: "e2e-ui-ex-", visibilityTimeoutSeconds: 2 },
  env: { explorer: { EXPLORER_TOKEN: TOKEN } },
});
let stack: typeof system.stack;
let browser: Browser;
let aws: EndpointClients;

beforeAll(async () => {
  stack = system.stack;
  aws = clientsFor({
    endpoint: stack.aws.endpoint,
    region: stack.aws.region,
    credentials: { accessKeyId: stack.aws.accessKeyId, secretAccessKey: stack.aws.secretAccessKey },
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  aws?.destroy();
});

describe("the explorer page", () => {
  it("asks for the token, draws the topology, shows events live with their timeline, and redrives a dead letter", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy|Refused/i.test(m.text())) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));

    await page.goto(stack.gatewayUrl);
    await page.getByTestId("explorer-link").click();
    await page.waitForURL(`${stack.gatewayUrl}/explorer`);
    expect(await page.title()).toBe("TaskOverflow event explorer");
    await page.getByTestId("token-form").waitFor();
    await page.getByLabel(/bearer token/).fill(TOKEN);
    await page.getByRole("button", { name: "Use token" }).click();

    // The topology: every queue of the one definition, with its depths, and its dead-letter queue.
    for (const key of ["calendar", "job-status", "explorer"]) {
      await page.getByTestId(`queue-${key}`).waitFor();
      expect(await page.getByTestId(`queue-${key}`).getAttribute("data-depth")).toMatch(
        /^\d+ \/ \d+ \/ \d+$/,
      );
      expect(await page.getByTestId(`dlq-${key}`).getAttribute("data-depth")).toMatch(/^\d+ \/ \d+ \/ \d+$/);
    }
    expect(await page.getByTestId("topology-drawing").textContent()).toContain("every event (no filter)");
    await page.getByTestId("live").filter({ hasText: "live" }).waitFor();

    // A request made elsewhere appears live; a click shows its timeline.
    const correlationId = `ui-${Date.now()}`;
    const created = await fetch(`${stack.gatewayUrl}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-correlation-id": correlationId },
      body: JSON.stringify({ title: "seen in the explorer" }),
    });
    expect(created.status).toBe(201);
    const row = page.locator(`[data-correlation-id="${correlationId}"]`);
    await row.waitFor({ timeout: 5_000 });
    expect(await row.textContent()).toContain("TodoCreated");
    await row.getByRole("button").click();
    const step = page.getByTestId("timeline-event");
    await step.first().waitFor();
    expect(await step.allTextContents()).toEqual([expect.stringContaining("TodoCreated")]);
    expect(await page.getByTestId("timeline").textContent()).toContain(`Request ${correlationId}: 1 event.`);

    // A dead letter: seen without being taken, then sent back with the button.
    const lost = todoEvent("TodoCreated", { id: 999_001 }, { correlationId: `${correlationId}-dlq` });
    await sendRaw(aws.sqs, stack.topology.queues.explorer.dlqUrl, JSON.stringify(lost), lost.type);
    await page.getByTestId("dead-queue-explorer").click();
    const letter = page.getByTestId("dead-letter");
    await letter.first().waitFor();
    expect(await letter.count()).toBe(1);
    expect(await letter.first().textContent()).toContain(lost.id);
    await page.getByTestId("redrive-button").click();
    await page
      .getByTestId("redrive-status")
      .filter({ hasText: "Moved 1 message back to explorer." })
      .waitFor();
    // The view looks again after the redrive: the dead-letter queue is empty now.
    await letter.first().waitFor({ state: "detached" });
    expect(await letter.count()).toBe(0);
    // Redriven and processed: the explorer recorded it, and it arrives in the live list.
    await page.locator(`[data-correlation-id="${correlationId}-dlq"]`).waitFor({ timeout: 10_000 });

    expect(problems).toEqual([]);
    await page.close();
  });
});
