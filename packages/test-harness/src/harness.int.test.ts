import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { awsEmulators, uniqueName } from "./aws.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

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
});

describe.each(awsEmulators())("AWS emulator $name", ({ start }) => {
  it("round-trips an SQS message through the real SDK", async () => {
    const aws = await start();
    try {
      const sqs = new SQSClient({ endpoint: aws.endpoint, region: aws.region, credentials: aws.credentials });
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
