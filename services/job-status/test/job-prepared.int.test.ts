// The statements every status request and every job event run (JobRepository.find and applyOnce) are named
// prepared statements on PostgreSQL: parsed once per connection, not on every poll (docs/architecture.md §13).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { calendarObjectKey } from "@taskoverflow/contracts";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import { createLogger, type Database, openMigratedDatabase } from "@taskoverflow/platform";
import { createTestDatabase, type TestDatabase } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { migrations } from "../src/db/migrations.ts";
import type { JobStatusTables } from "../src/db/tables.ts";
import { CONSUMER, foldJob } from "../src/jobs/job.handler.ts";
import { JobRepository } from "../src/jobs/job.repository.ts";

const log = createLogger({ service: "job-prepared-test", level: "silent" });

describe("job-status's statements on PostgreSQL", () => {
  let testDb: TestDatabase;
  let database: Database<JobStatusTables>;
  const jobs = new JobRepository();

  beforeAll(async () => {
    testDb = await createTestDatabase();
    // One connection: prepared statements live in their session.
    database = await openMigratedDatabase<JobStatusTables>(
      { databaseUrl: testDb.url, dataDir: "memory", databasePoolSize: 1 },
      migrations,
      log,
    );
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it("reads a job and applies its events as named prepared statements, with the right answers", async () => {
    const db = database.db;
    for (let n = 0; n < 3; n++) {
      const jobId = crypto.randomUUID();
      const events = [
        calendarEvents.started(jobId),
        calendarEvents.ready(jobId, { bucket: "calendars", key: calendarObjectKey(jobId), size: 5 }),
      ] as const;
      const { job } = foldJob(events);
      const entries = events.map((e) => ({ consumer: CONSUMER, eventId: e.id }));
      const applied = await jobs.applyOnce(db, entries, job, new Date());
      expect(applied.status).toBe("SUCCESS");
      expect((await jobs.find(db, jobId))?.status).toBe("SUCCESS");
    }
    expect(await jobs.find(db, crypto.randomUUID())).toBeUndefined();
    const prepared = (
      await sql<{ statement: string }>`
        SELECT statement FROM pg_prepared_statements WHERE name LIKE 'taskoverflow_%'`.execute(db)
    ).rows.map((r) => r.statement);
    expect(prepared).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^select .* from "jobs" where "id" = \$1$/),
        expect.stringContaining("INSERT INTO jobs"),
      ]),
    );
  });
});
