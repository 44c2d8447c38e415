import { afterEach, describe, expect, it } from "@jest/globals";
import { waitFor } from "@taskoverflow/test-harness";
import { createTodoApp } from "../src/app.ts";
import { client, tempDataDir, testConfig } from "./todo.fixture.ts";

describe("todos on a PGlite data dir", () => {
  const data = tempDataDir();
  afterEach(() => data.remove());

  it("survive a restart of the service", async () => {
    const config = testConfig({ dataDir: data.dir });
    // A relay runs (it numbers the events after commit); what it publishes is not this test's concern.
    const publisher = { publish: async () => {} };
    const first = createTodoApp(config, { publisher });
    const api = client((await first.start()).url);
    await api("POST", "/api/v1/todos", { title: "one", deadline_at: "2023-04-03T14:00:00" });
    await api("POST", "/api/v1/todos", { title: "two", completed: true });
    const before = await (await api("GET", "/api/v1/todos")).json();
    await first.stop();

    const second = createTodoApp(config, { publisher });
    const again = client((await second.start()).url);
    try {
      expect(await (await again("GET", "/api/v1/todos")).json()).toEqual(before);
      const next = await (await again("POST", "/api/v1/todos", { title: "three" })).json();
      expect(next).toMatchObject({ id: 3 });
      // Numbering continues across the restart: the third event is number 3.
      await waitFor(
        async () =>
          ((await (await again("GET", "/internal/v1/todos/snapshot")).json()) as { sequence: number })
            .sequence === 3,
        { what: "the snapshot at sequence 3" },
      );
    } finally {
      await second.stop();
    }
  });
});
