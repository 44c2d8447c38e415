// A consumer service's world for its integration tests (`@taskoverflow/messaging/testing`): an emulator and its
// clients, a fresh topology and a publisher on it, a test database and a pool to read what the service wrote, for
// one describe block. The apps a test starts on it are stopped first, then the world in reverse. Jest hooks: only
// test files import this (bench scripts import ./pipeline.ts, which has none).
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll } from "@jest/globals";
import { type AwsEndpoint, clientsFor, createTestDatabase, uniqueName } from "@taskoverflow/test-harness";
import pg from "pg";
import {
  createSnsPublisher,
  type EventPublisher,
  ensureTopology,
  type TopologyAddresses,
} from "../src/index.ts";

export interface ServiceWorld {
  aws: AwsEndpoint;
  sns: SNSClient;
  sqs: SQSClient;
  s3: S3Client;
  /** The topology's prefix (`<name>-<unique>-`): its topic and queues carry it. */
  prefix: string;
  topology: TopologyAddresses;
  publisher: EventPublisher;
  /** A one-connection pool on the test database: what the service wrote (its rows, its inbox). */
  rows: pg.Pool;
  /** The part of a service config that points it at this world (no `databaseUrl` without a database). */
  backing: { databaseUrl?: string; aws: { endpoint: string; region: string } };
  /** Starts an app; the world stops it in afterAll, before anything the app runs on. */
  start<A extends StartableApp>(app: A): Promise<{ app: A; url: string }>;
}

export interface StartableApp {
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

export interface ServiceWorldOptions {
  /** Prefix of the topology's names. */
  name: string;
  /** The queues' visibility timeout (the topology's default otherwise). */
  visibilityTimeoutSeconds?: number;
  /** false: no test database (the service runs on PGlite, as `npm start` does). */
  database?: boolean;
}

/** The world for the describe block: ready in its beforeAll, gone in its afterAll. */
export function useServiceWorld(
  startEmulator: () => Promise<AwsEndpoint>,
  { name, visibilityTimeoutSeconds, database = true }: ServiceWorldOptions,
): ServiceWorld {
  const stops: Array<() => Promise<void>> = [];
  const world = {
    async start(app) {
      stops.push(() => app.stop());
      return { app, url: (await app.start()).url };
    },
  } as ServiceWorld;

  beforeAll(async () => {
    const aws = await startEmulator();
    stops.push(() => aws.stop());
    const clients = clientsFor(aws);
    stops.push(async () => clients.destroy());
    const prefix = `${uniqueName(name)}-`;
    const topology = await ensureTopology(clients, {
      prefix,
      ...(visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeoutSeconds }),
    });
    const db = database ? await createTestDatabase() : undefined;
    if (db !== undefined) stops.push(() => db.drop());
    const rows = db === undefined ? undefined : new pg.Pool({ connectionString: db.url, max: 1 });
    // pool.end() resolves before its sockets have closed, so dropping the database (which terminates its
    // connections) can hit an idle one: the pool drops that client either way, and a test's next query gets a new one.
    rows?.on("error", () => {});
    if (rows !== undefined) stops.push(() => rows.end());
    Object.assign(world, {
      aws,
      sns: clients.sns,
      sqs: clients.sqs,
      s3: clients.s3,
      prefix,
      topology,
      publisher: createSnsPublisher({ sns: clients.sns, topicArn: topology.topicArn }),
      rows,
      backing: {
        ...(db === undefined ? {} : { databaseUrl: db.url }),
        aws: { endpoint: aws.endpoint, region: aws.region },
      },
    });
  });
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return world;
}
