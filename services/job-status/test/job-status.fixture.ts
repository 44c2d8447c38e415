import type { ServiceWorld } from "@taskoverflow/messaging/testing";
import { createLogger, UpstreamError } from "@taskoverflow/platform";
import { serviceTestEnv } from "@taskoverflow/test-harness";
import { createJobStatusApp, type JobStatusConfig, loadConfig } from "../src/app.ts";
import type { IssuedJobs } from "../src/jobs/issued-jobs.ts";

/** The service's own defaults (its config schema), quiet and on a free port, with a test's changes on top. */
export function testConfig(changes: Partial<JobStatusConfig> = {}): JobStatusConfig {
  return { ...loadConfig(serviceTestEnv({ TODO_SERVICE_URL: "http://127.0.0.1:9" })), ...changes };
}

/** What the todo service would answer about issued jobs: the ids a test issued, or 503 while it is "down". */
export function issuedJobs() {
  const requestedAt = new Map<string, string>();
  const todo = {
    down: false,
    /** Every id job-status asked about, in order. */
    asked: [] as string[],
    /** Issues a job (a fresh id unless given), requested now unless `at` says when. */
    issue(id: string = crypto.randomUUID(), at = new Date().toISOString()) {
      requestedAt.set(id, at);
      return id;
    },
    requestedAt: (id: string) => requestedAt.get(id),
    port: {
      async wasIssued(id) {
        todo.asked.push(id);
        if (todo.down) throw new UpstreamError(503, "Task status is temporarily unavailable");
        const at = requestedAt.get(id);
        return at === undefined ? undefined : { requestedAt: at };
      },
    } satisfies IssuedJobs,
  };
  return todo;
}

const logger = createLogger({ service: "job-status-test", level: "silent" });

/**
 * A job-status service on the world (its database, emulator and the job-status queue of `at`, the world's
 * topology unless given), asking `issued` about jobs; stopped with the world.
 */
export function startJobStatus(
  world: ServiceWorld,
  issued: IssuedJobs,
  changes: Partial<JobStatusConfig> = {},
  at: ServiceWorld["topology"] = world.topology,
) {
  const config = testConfig({ ...world.backing, queueUrl: at.queues["job-status"].url, ...changes });
  const { sqs, s3 } = world;
  return world.start(
    createJobStatusApp(config, { logger, sqs, s3, consumer: { waitTimeSeconds: 1 }, issued }),
  );
}
