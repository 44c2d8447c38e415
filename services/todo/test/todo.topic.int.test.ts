import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import {
  type AwsClients,
  awsClients,
  createSqsConsumer,
  ensureTopology,
  type TopologyAddresses,
} from "@taskoverflow/messaging";
import { ConfigError, createLogger } from "@taskoverflow/platform";
import { type AwsEndpoint, awsEmulators, freePort, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { createTodoApp } from "../src/app.ts";
import { client, testConfig } from "./todo.fixture.ts";

// The service builds its AWS clients from the environment, as in a container.
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";

const logger = createLogger({ service: "todo-test", level: "silent" });

describe.each(awsEmulators())("todo without TOPIC_ARN on $name", ({ start }) => {
  let aws: AwsEndpoint;
  let clients: AwsClients;
  let topology: TopologyAddresses;
  const prefix = `${uniqueName("todo-topic")}-`;

  beforeAll(async () => {
    aws = await start();
    clients = awsClients({ endpoint: aws.endpoint, region: aws.region });
    // What the LocalStack init hook does in docker compose: the topology exists before the services start.
    topology = await ensureTopology({ sns: clients.sns, sqs: clients.sqs }, { prefix });
  });
  afterAll(async () => {
    clients?.destroy();
    await aws?.stop();
  });

  it("resolves the topic by name from the topology and publishes its outbox to it", async () => {
    const app = createTodoApp(
      testConfig({ aws: { endpoint: aws.endpoint, region: aws.region }, topologyPrefix: prefix }),
      { logger },
    );
    const { url } = await app.start();
    try {
      const res = await client(url)("POST", "/api/v1/todos", { title: "published" });
      expect(res.status).toBe(201);
      const received: DomainEvent[] = [];
      const consumer = createSqsConsumer({
        sqs: clients.sqs,
        queueUrl: topology.queues.calendar.url,
        waitTimeSeconds: 1,
        log: logger,
        handler: async (event) => {
          received.push(event);
          return "done";
        },
      });
      await consumer.start();
      const body = await waitFor(() => received[0], {
        timeoutMs: 20_000,
        what: "TodoCreated on the calendar queue",
      }).finally(() => consumer.stop());
      expect(body).toMatchObject({ type: "TodoCreated", payload: { todo: { title: "published" } } });
    } finally {
      await app.stop();
    }
  });
});

describe("todo in a deployed mode that cannot publish", () => {
  it("stops at start with a message naming TOPIC_ARN", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const app = createTodoApp(testConfig({ aws: { endpoint: closed, region: "us-east-1" } }), { logger });
    const started = app.start();
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/TOPIC_ARN is not set.*AWS_ENDPOINT_URL/s);
  });
});
