// The OpenAPI page in a real browser: Swagger UI from the gateway's own files renders the document under the
// page's Content-Security-Policy, and asks nothing of any other origin.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type Stack, startStack } from "@taskoverflow/devstack";
import { launchChromium } from "@taskoverflow/test-harness";

type Browser = Awaited<ReturnType<typeof launchChromium>>;

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({
    services: ["todo", "gateway"],
    ports: "random",
    dataDir: "memory",
    logLevel: "warn",
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the API docs page", () => {
  it("renders every operation of the document from local assets, without CSP violations", async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const problems: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(stack.gatewayUrl) && !r.url().startsWith("data:")) foreign.push(r.url());
    });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${stack.gatewayUrl}/docs/`);
    await page.getByText("TaskOverflow API").first().waitFor({ timeout: 20_000 });
    const doc = (await (await fetch(`${stack.gatewayUrl}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0);
    await page
      .locator(".opblock")
      .nth(operations - 1)
      .waitFor({ timeout: 20_000 });
    expect(await page.locator(".opblock").count()).toBe(operations);
    expect(foreign).toEqual([]);
    expect(problems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
    await page.close();
  });
});
