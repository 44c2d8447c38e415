import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import {
  type AwsClients,
  awsClients,
  createSqsConsumer,
  decodeEventMessage,
  ensureTopology,
  type TopologyAddresses,
} from "@taskoverflow/messaging";
import { ConfigError, createLogger } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  awsEmulators,
  freePort,
  takeBodies,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import { createTodoApp } from "../src/app.ts";
import { client, openSharedDatabase, testConfig } from "./todo.fixture.ts";

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

describe.each(awsEmulators())("todo's groups of events on $name", ({ start }) => {
  let aws: AwsEndpoint;
  let clients: AwsClients;
  beforeAll(async () => {
    aws = await start();
    clients = awsClients({ endpoint: aws.endpoint, region: aws.region });
  });
  afterAll(async () => {
    clients?.destroy();
    await aws?.stop();
  });

  // Five todos written while nothing publishes, then a relay that finds them all in one pass: one message with
  // the default, one message each with EVENT_GROUP_MAX=1.
  it.each([
    { eventGroupMax: undefined, messages: 1 },
    { eventGroupMax: 1, messages: 5 },
  ])(
    "publishes a backlog in messages of up to EVENT_GROUP_MAX events ($eventGroupMax)",
    async ({ eventGroupMax, messages }) => {
      const topology = await ensureTopology(clients, { prefix: `${uniqueName("todo-groups")}-` });
      const shared = await openSharedDatabase("postgres");
      try {
        const down = { publish: async () => Promise.reject(new Error("SNS is down")) };
        const writer = createTodoApp(testConfig(), { logger, database: shared.database, publisher: down });
        const { url } = await writer.start();
        for (const title of ["a", "b", "c", "d", "e"]) {
          expect((await client(url)("POST", "/api/v1/todos", { title })).status).toBe(201);
        }
        await writer.stop();
        const aws2 = { endpoint: aws.endpoint, region: aws.region };
        const config = testConfig({
          aws: aws2,
          topicArn: topology.topicArn,
          ...(eventGroupMax && { eventGroupMax }),
        });
        const relay = createTodoApp(config, { logger, database: shared.database });
        await relay.start();
        try {
          const bodies: string[] = [];
          await waitFor(
            async () => {
              bodies.push(...(await takeBodies(clients.sqs, topology.queues.calendar.url)));
              return bodies.flatMap((b) => decoded(b)).length >= 5;
            },
            { timeoutMs: 20_000, what: "the five TodoCreated on the calendar queue" },
          );
          expect(bodies).toHaveLength(messages);
          expect(
            bodies
              .flatMap((b) => decoded(b))
              .map((e) => e.payload.todo.title)
              .sort(),
          ).toEqual(["a", "b", "c", "d", "e"]);
        } finally {
          await relay.stop();
        }
      } finally {
        await shared.close();
      }
    },
  );
});

function decoded(body: string) {
  const d = decodeEventMessage(body);
  if (!d.ok) throw new Error(d.reason);
  return d.events.flatMap((e) => (e.type === "TodoCreated" ? [e] : []));
}

describe("todo in a deployed mode that cannot publish", () => {
  it("stops at start with a message naming TOPIC_ARN", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const app = createTodoApp(testConfig({ aws: { endpoint: closed, region: "us-east-1" } }), { logger });
    const started = app.start();
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/TOPIC_ARN is not set.*AWS_ENDPOINT_URL/s);
  });
});
