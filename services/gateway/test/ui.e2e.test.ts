import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type Stack, startStack } from "@taskoverflow/devstack";
import { launchChromium, waitFor } from "@taskoverflow/test-harness";

// The harness's types, so this package needs no direct dependency on playwright-core.
type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser["newPage"]>>;

interface Todo {
  id: number;
  title: string;
  completed: boolean;
  deadline_at: string | null;
}

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startStack({
    ports: "random",
    dataDir: "memory",
    logLevel: "warn",
  });
  browser = await launchChromium();
  // A user east of UTC: the picked wall-clock time must reach the API as UTC, and be shown back as local time.
  page = await browser.newPage({ timezoneId: "Australia/Brisbane" });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function apiTodos(): Promise<Todo[]> {
  return (await (await fetch(`${stack.gatewayUrl}/api/v1/todos`)).json()) as Todo[];
}

describe("web UI through the gateway", () => {
  it("adds a todo, completes it and deletes it", async () => {
    await page.goto(stack.gatewayUrl);
    expect(await page.title()).toBe("TaskOverflow");
    const title = `Buy milk ${Date.now()}`;

    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Description (optional)").fill("Semi-skimmed");
    await page.getByLabel("Deadline (optional)").fill("2031-02-03T04:05");
    await page.getByRole("button", { name: "Add todo" }).click();

    const card = page.getByTestId("todo-card").filter({ hasText: title });
    await card.waitFor();
    expect(await page.getByTestId("todo-card").first().getByTestId("todo-title").textContent()).toBe(title);
    expect(await card.getByTestId("todo-description").textContent()).toBe("Semi-skimmed");
    const created = (await apiTodos()).find((t) => t.title === title);
    // 04:05 in Brisbane (UTC+10, no daylight saving) is 18:05 UTC the day before.
    expect(created).toMatchObject({ completed: false, deadline_at: "2031-02-02T18:05:00" });
    expect(await card.getByTestId("todo-deadline").textContent()).toContain("4:05");

    await card.getByRole("checkbox", { name: title }).check();
    await waitFor(async () => (await apiTodos()).find((t) => t.title === title)?.completed === true, {
      what: "the todo to be completed",
    });
    await page.reload();
    expect(await card.getByRole("checkbox", { name: title }).isChecked()).toBe(true);

    await card.getByRole("button", { name: `Delete “${title}”` }).click();
    await card.waitFor({ state: "detached" });
    expect((await apiTodos()).some((t) => t.title === title)).toBe(false);
    expect(await page.getByTestId("status").textContent()).toContain("Deleted");
  });

  it("shows the API's validation error next to the form", async () => {
    await page.goto(stack.gatewayUrl);
    // Spaces pass the browser's `required` check; the trimmed empty title is the API's to refuse.
    await page.getByLabel("Title").fill("   ");
    await page.getByRole("button", { name: "Add todo" }).click();
    const error = page.getByTestId("add-error");
    await error.waitFor();
    // Exactly what the API answers for the body the page sends (the title trimmed), not just any text.
    const api = await fetch(`${stack.gatewayUrl}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "" }),
    });
    expect(api.status).toBe(400);
    const { error: message } = (await api.json()) as { error: string };
    expect(message).not.toBe("");
    expect(await error.textContent()).toBe(message);
  });

  /** Requests the page makes to the job's status and events endpoints, with the kind Chromium gives them. */
  function jobRequests(p: Page): string[] {
    const seen: string[] = [];
    p.on("request", (r) => {
      const m = /\/api\/v1\/todos\/ical\/[0-9a-f-]{36}\/(status|events)$/.exec(new URL(r.url()).pathname);
      if (m) seen.push(`${r.resourceType()} ${m[1]}`);
    });
    return seen;
  }

  async function exportAndDownload(p: Page, title: string): Promise<void> {
    const res = await fetch(`${stack.gatewayUrl}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title, deadline_at: "2031-06-01T09:00:00" }),
    });
    expect(res.status).toBe(201);
    await p.goto(stack.gatewayUrl);
    await p.getByTestId("calendar-export-button").click();
    const link = p.getByTestId("calendar-download");
    await link.waitFor({ timeout: 60_000 });
    expect(await p.getByTestId("calendar-export-status").textContent()).toBe("Your calendar is ready.");
    const href = await link.getAttribute("href");
    expect(href).toMatch(/\/api\/v1\/todos\/ical\/[0-9a-f-]{36}\/result$/);
    const ics = await (await fetch(new URL(href ?? "", stack.gatewayUrl))).text();
    expect(ics).toContain("BEGIN:VCALENDAR");
    expect(ics).toContain(`SUMMARY:${title}`);
  }

  it("exports a calendar: the job's state is pushed (Server-Sent Events) and the file offered when ready", async () => {
    const p = await browser.newPage();
    try {
      const seen = jobRequests(p);
      await exportAndDownload(p, `Hand in the report ${Date.now()}`);
      // Pushed, not polled: one EventSource request and no status poll at all.
      expect(seen).toEqual(["eventsource events"]);
      expect(await p.getByTestId("calendar-export-status").getAttribute("data-updates")).toBe("events");
    } finally {
      await p.close();
    }
  });

  it("falls back to polling the status when the event stream fails", async () => {
    const p = await browser.newPage();
    try {
      // A proxy on the way that refuses the stream.
      await p.route("**/api/v1/todos/ical/*/events", (route) =>
        route.fulfill({
          status: 502,
          contentType: "application/json",
          body: '{"error":"Backend unavailable"}',
        }),
      );
      const seen = jobRequests(p);
      await exportAndDownload(p, `Polled report ${Date.now()}`);
      expect(seen[0]).toBe("eventsource events");
      expect(seen.slice(1).length).toBeGreaterThan(0);
      expect(new Set(seen.slice(1))).toEqual(new Set(["fetch status"]));
      expect(await p.getByTestId("calendar-export-status").getAttribute("data-updates")).toBe("polling");
    } finally {
      await p.close();
    }
  });

  it("offers the feed to subscribe to: a webcal:// link, and the https one copied", async () => {
    const title = `Subscribed ${Date.now()}`;
    await page.goto(stack.gatewayUrl);
    const https = `${stack.gatewayUrl}/api/v1/todos/calendar.ics`;
    const control = page.getByTestId("calendar-subscribe");
    expect(await control.getByRole("heading").textContent()).toBe("Subscribe");
    expect(await page.getByLabel("Feed address").inputValue()).toBe(https);
    const webcal = page.getByRole("link", { name: "Subscribe in calendar app" });
    expect(await webcal.getAttribute("href")).toBe(https.replace(/^http:/, "webcal:"));

    await page
      .context()
      .grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.gatewayUrl });
    await page.getByRole("button", { name: "Copy link" }).click();
    await page.getByTestId("subscribe-status").filter({ hasText: "copied" }).waitFor();
    // A string: this file is type-checked without the DOM library.
    const copied = String(await page.evaluate("navigator.clipboard.readText()"));
    expect(copied).toBe(https);

    // The copied address is the live feed: a todo added in the page shows up in it.
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Deadline (optional)").fill("2032-01-02T03:04");
    await page.getByRole("button", { name: "Add todo" }).click();
    await page.getByTestId("todo-card").filter({ hasText: title }).waitFor();
    const feed = await waitFor(
      async () => {
        const text = await page.evaluate(async (url) => (await fetch(url)).text(), copied);
        return text.includes(`SUMMARY:${title}`) ? text : undefined;
      },
      { what: "the new todo in the feed" },
    );
    expect(feed.startsWith("BEGIN:VCALENDAR")).toBe(true);
  });
});
