// Jobs that never finish (their message dead-lettered, the calendar service gone) end as FAILURE, never PENDING
// forever, and stay FAILURE when a straggling event arrives. Real PostgreSQL and the fauxqs emulator.
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createEvent, type DomainEvent } from "@taskoverflow/contracts";
import { createSnsPublisher, type EventPublisher, ensureTopology } from "@taskoverflow/messaging";
import { createLogger } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  clientsFor,
  createTestDatabase,
  startFauxqs,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import pg from "pg";
import { createJobStatusApp, type JobStatusApp } from "../src/app.ts";
import { configOn } from "./job-status.fixture.ts";

const ctx = { correlationId: "timeout-test", producer: "calendar" };

describe("job timeouts", () => {
  let aws: AwsEndpoint;
  let sns: SNSClient;
  let sqs: SQSClient;
  let database: TestDatabase;
  let app: JobStatusApp;
  let url: string;
  let publisher: EventPublisher;
  /** Issued ids and when they were requested, as the todo service would answer. */
  const issued = new Map<string, string>();

  beforeAll(async () => {
    aws = await startFauxqs();
    ({ sns, sqs } = clientsFor(aws));
    const topology = await ensureTopology({ sns, sqs }, { prefix: `${uniqueName("jt")}-` });
    publisher = createSnsPublisher({ sns, topicArn: topology.topicArn });
    database = await createTestDatabase();
    app = createJobStatusApp(
      configOn(database, aws, topology, { jobTimeoutSeconds: 1, calendarBucket: "b" }),
      {
        logger: createLogger({ service: "job-timeout-test", level: "silent" }),
        sqs,
        consumer: { waitTimeSeconds: 1 },
        issued: {
          wasIssued: async (id) => (issued.has(id) ? { requestedAt: issued.get(id) ?? "" } : undefined),
        },
      },
    );
    url = (await app.start()).url;
  });

  afterAll(async () => {
    await app?.stop();
    await database?.drop();
    sns?.destroy();
    sqs?.destroy();
    await aws?.stop();
  });

  const statusOf = async (id: string) => {
    const res = await fetch(`${url}/api/v1/todos/ical/${id}/status`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { task_status: string }).task_status;
  };
  const processed = async (eventId: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rowCount } = await client.query("SELECT 1 FROM processed_events WHERE event_id = $1", [
        eventId,
      ]);
      return rowCount === 1;
    } finally {
      await client.end();
    }
  };
  const publish = async (event: DomainEvent) => {
    await publisher.publish([event]);
    await waitFor(() => processed(event.id), { what: `${event.type} processed` });
  };
  const requested = (jobId: string, requestedAt = new Date().toISOString()) =>
    createEvent("CalendarRequested", { jobId, filters: {}, requestedAt }, { ...ctx, producer: "todo" });
  const ready = (jobId: string) =>
    createEvent(
      "CalendarReady",
      { jobId, bucket: "b", key: `calendars/${jobId}.ics`, size: 1, sha256: "0".repeat(64), eventCount: 0 },
      ctx,
    );

  it("fails a job that hears nothing for longer than the timeout, and keeps it failed", async () => {
    const jobId = crypto.randomUUID();
    issued.set(jobId, new Date().toISOString());
    await publish(requested(jobId));
    expect(await statusOf(jobId)).toBe("PENDING");
    await waitFor(async () => (await statusOf(jobId)) === "FAILURE", { what: "the job to time out" });
    await publish(ready(jobId));
    expect(await statusOf(jobId)).toBe("FAILURE");
    const result = await fetch(`${url}/api/v1/todos/ical/${jobId}/result`);
    expect(result.status).toBe(404);
  });

  it("fails an issued job whose request never reached us, and a late request does not revive it", async () => {
    const jobId = crypto.randomUUID();
    issued.set(jobId, new Date(Date.now() - 60_000).toISOString());
    expect(await statusOf(jobId)).toBe("FAILURE");
    await publish(requested(jobId, issued.get(jobId)));
    await publish(ready(jobId));
    expect(await statusOf(jobId)).toBe("FAILURE");
  });

  it("still answers PENDING for a fresh job it has not heard of yet", async () => {
    const jobId = crypto.randomUUID();
    issued.set(jobId, new Date().toISOString());
    expect(await statusOf(jobId)).toBe("PENDING");
  });
});
