// The one-statement apply (JobRepository.applyOnce: inbox claim + upsert merge, no transaction, no lock) against
// the documented model, `evolve`: random sets of a job's events, delivered in random order, with redeliveries,
// several at once, on real PostgreSQL and on PGlite (npm start). And the timeouts racing an event.
// Replay a failure with JOB_APPLY_SEED=<seed> (printed); JOB_APPLY_RUNS sets the runs per property.
import { AsyncLocalStorage } from "node:async_hooks";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { calendarObjectKey } from "@taskoverflow/contracts";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import { createLogger, type Database, openMigratedDatabase } from "@taskoverflow/platform";
import { createTestDatabase, type TestDatabase } from "@taskoverflow/test-harness";
import fc from "fast-check";
import { migrations } from "../src/db/migrations.ts";
import type { JobStatusTables } from "../src/db/tables.ts";
import type { CalendarFiles } from "../src/jobs/calendar-files.ts";
import { finishedCalendars } from "../src/jobs/finished-calendars.ts";
import { createJobHandler } from "../src/jobs/job.handler.ts";
import { evolve, type Job, type JobEvent } from "../src/jobs/job.projection.ts";
import { JobRepository } from "../src/jobs/job.repository.ts";
import { createJobTimeouts, timedOutJob, timedOutReason } from "../src/jobs/job.timeout.ts";

const seed = Number(process.env.JOB_APPLY_SEED ?? 8008);
const numRuns = Number(process.env.JOB_APPLY_RUNS ?? 150);
const settings = { seed, numRuns } as const;
process.stderr.write(`[job-apply] seed ${seed}, ${numRuns} runs per property\n`);

const log = createLogger({ service: "job-apply-test", level: "silent" });
const bucket = "calendars";
const t0 = Date.parse("2030-01-01T00:00:00.000Z");
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();

/** The kinds of event a job hears, each possibly several times as distinct events (distinct ids and fields). */
const kinds = ["requested", "started", "ready", "failed"] as const;
type Kind = (typeof kinds)[number];

/** A distinct event of `jobId`; `n` makes its occurredAt (and the fields it sets) unique within the job. */
function jobEvent(jobId: string, kind: Kind, n: number): JobEvent {
  const made: JobEvent =
    kind === "requested"
      ? calendarEvents.requested(jobId, {}, {}, new Date(t0 - (n + 1) * 60_000))
      : kind === "started"
        ? calendarEvents.started(jobId)
        : kind === "ready"
          ? calendarEvents.ready(jobId, { bucket, key: calendarObjectKey(jobId), size: n, eventCount: n })
          : calendarEvents.failed(jobId, `failure ${n}`);
  return { ...made, occurredAt: at(n) };
}

/** `evolve` folded over `events` in this order (undefined: no event). */
const fold = (events: readonly JobEvent[]) =>
  events.reduce<Job | undefined>((job, e) => evolve(job, e), undefined);

/** Every order of `xs` (at most 6 here: 720). */
function* permutations<T>(xs: readonly T[]): Generator<T[]> {
  if (xs.length <= 1) {
    yield [...xs];
    return;
  }
  for (let i = 0; i < xs.length; i++)
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) yield [xs[i] as T, ...rest];
}

/**
 * A job's story: 1-6 distinct events (any kinds, repeats of a kind allowed: a calendar retried, two failures),
 * each delivered at least once and some again (SQS redelivery), in a random order, cut into rounds whose
 * deliveries run at the same time.
 */
const story = fc
  .record({
    kinds: fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 6 }),
    redeliveries: fc.array(fc.nat(), { maxLength: 6 }),
    order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
    rounds: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 12, maxLength: 12 }),
  })
  .map(({ kinds: ks, redeliveries, order, rounds }) => {
    const jobId = crypto.randomUUID();
    const events = ks.map((k, n) => jobEvent(jobId, k, n));
    const deliveries = [...events, ...redeliveries.map((r) => events[r % events.length] as JobEvent)]
      .map((e, i) => ({ e, key: order[i] ?? 0 }))
      .sort((a, b) => a.key - b.key)
      .map(({ e }) => e);
    const cut: JobEvent[][] = [];
    for (let i = 0, r = 0; i < deliveries.length; r++) {
      const size = rounds[r] ?? 1;
      cut.push(deliveries.slice(i, i + size));
      i += size;
    }
    return { jobId, events, deliveries, rounds: cut };
  });

const backends = [
  { name: "PostgreSQL", server: true },
  { name: "PGlite (npm start)", server: false },
] as const;

describe.each(backends)("a job event applied in one statement equals evolve, on $name", ({ server }) => {
  let testDb: TestDatabase | undefined;
  let database: Database<JobStatusTables>;
  const jobs = new JobRepository();
  const now = { value: new Date(t0) };
  const clock = { now: () => now.value };
  /** Which delivery is running (so a wake can be told apart from its neighbours'). */
  const delivery = new AsyncLocalStorage<number>();
  const woken: { delivery: number | undefined; jobIds: readonly string[]; status: string | undefined }[] = [];
  let handle: ReturnType<typeof createJobHandler>;

  beforeAll(async () => {
    testDb = server ? await createTestDatabase() : undefined;
    database = await openMigratedDatabase<JobStatusTables>(
      { databaseUrl: testDb?.url, dataDir: "memory", databasePoolSize: 8 },
      migrations,
      log,
    );
    handle = createJobHandler({
      db: database.db,
      jobs,
      clock,
      calendarBucket: bucket,
      onChanged: (jobIds, status) => woken.push({ delivery: delivery.getStore(), jobIds, status }),
    });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  let deliveries = 0;
  /** Delivers `event` to the handler as the consumer would; which wakes it caused. */
  const deliver = async (event: JobEvent) => {
    const id = ++deliveries;
    await delivery.run(id, () => handle(event, { log, receiveCount: 1, waitedMs: 0 }));
    return woken.filter((w) => w.delivery === id);
  };
  const stored = (id: string) => jobs.find(database.db, id);

  it("one at a time: after each delivery the job is evolve folded over the distinct events so far, and it wakes exactly when the status changed", async () => {
    await fc.assert(
      fc.asyncProperty(story, async ({ jobId, deliveries: sequence }) => {
        const applied: JobEvent[] = [];
        for (const event of sequence) {
          const before = fold(applied);
          const first = !applied.includes(event);
          if (first) applied.push(event);
          const after = fold(applied);
          const wakes = await deliver(event);
          expect(await stored(jobId)).toEqual(after);
          const changed = first && after?.status !== before?.status;
          // The wake says what the statement committed: a waiting client is answered from it.
          expect(wakes).toEqual(
            changed ? [{ delivery: expect.any(Number), jobIds: [jobId], status: after?.status }] : [],
          );
        }
      }),
      settings,
    );
  });

  it("several at once: the job is evolve folded over its distinct events in some order, and the delivery that set its status woke the streams", async () => {
    await fc.assert(
      fc.asyncProperty(story, async ({ jobId, events, rounds }) => {
        const wakesOf = new Map<JobEvent, unknown[]>();
        for (const round of rounds)
          await Promise.all(
            round.map(async (e) => {
              const wakes = await deliver(e);
              wakesOf.set(e, [...(wakesOf.get(e) ?? []), ...wakes]);
            }),
          );
        const job = await stored(jobId);
        // Exactly one of the serial outcomes: the row serialises the events, so some order explains it.
        const outcomes = new Map<string, Job | undefined>();
        for (const order of permutations(events)) {
          const outcome = fold(order);
          outcomes.set(JSON.stringify(outcome), outcome);
        }
        expect([...outcomes.values()]).toContainEqual(job);
        // The event whose occurredAt the job carries set its current status; one of its deliveries woke.
        const setter = events.find((e) => e.occurredAt === job?.lastEventAt);
        expect(setter).toBeDefined();
        expect(wakesOf.get(setter as JobEvent)).toContainEqual(
          expect.objectContaining({ status: job?.status }),
        );
        // Every event was applied once: one inbox row each, however often it came.
        const inbox = await database.db
          .selectFrom("processed_events")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where(
            "event_id",
            "in",
            events.map((e) => e.id),
          )
          .executeTakeFirst();
        expect(Number(inbox?.n)).toBe(events.length);
      }),
      settings,
    );
  });

  it("a job's events of one receive (a fast job's Started and Ready, one redelivered) are one statement and one wake: SUCCESS, never STARTED first; another job's are its own", async () => {
    class CountingJobs extends JobRepository {
      calls = 0;
      override applyOnce(...args: Parameters<JobRepository["applyOnce"]>) {
        this.calls++;
        return super.applyOnce(...args);
      }
    }
    const counting = new CountingJobs();
    const wakes: string[][] = [];
    const handleCounted = createJobHandler({
      db: database.db,
      jobs: counting,
      clock,
      calendarBucket: bucket,
      onChanged: (ids) => wakes.push([...ids]),
    });
    const context = { log, receiveCount: 1, waitedMs: 0 };
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const requested = jobEvent(a, "requested", 0);
    const [started, ready] = [jobEvent(a, "started", 1), jobEvent(a, "ready", 2)];
    const otherStarted = jobEvent(b, "started", 1);
    await handleCounted(requested, context);
    expect([counting.calls, wakes]).toEqual([1, [[a]]]);
    // One receive: the consumer hands its messages over in one turn.
    await Promise.all([started, ready, ready, otherStarted].map((e) => handleCounted(e, context)));
    expect(counting.calls).toBe(3);
    expect(wakes.slice(1).sort()).toEqual([[a], [b]].sort());
    expect(await stored(a)).toEqual(fold([requested, started, ready]));
    expect(await stored(b)).toEqual(fold([otherStarted]));
  });

  it("the file of a job that became SUCCESS is read after its waiters are woken, once; a repeated or late Ready reads nothing", async () => {
    const said: string[] = [];
    const files: CalendarFiles = {
      async open(_bucket, key) {
        said.push(`read ${key}`);
        return { body: Readable.from([Buffer.from("AB")]), size: 2 };
      },
    };
    const finished = finishedCalendars(files);
    const h = createJobHandler({
      db: database.db,
      jobs,
      clock,
      calendarBucket: bucket,
      finished,
      onChanged: (ids, status) => said.push(...ids.map((id) => `woken ${id} ${status}`)),
    });
    const context = { log, receiveCount: 1, waitedMs: 0 };
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const ready = jobEvent(a, "ready", 2);
    for (const e of [jobEvent(a, "requested", 0), ready, ready]) await h(e, context);
    for (const e of [jobEvent(b, "requested", 0), jobEvent(b, "failed", 1), jobEvent(b, "ready", 2)])
      await h(e, context);
    expect((await finished.get(a))?.body.toString()).toBe("AB");
    expect(await finished.get(b)).toBeUndefined();
    expect(said).toEqual([
      `woken ${a} PENDING`,
      `woken ${a} SUCCESS`,
      `read ${calendarObjectKey(a)}`,
      `woken ${b} PENDING`,
      `woken ${b} FAILURE`,
    ]);
  });

  it("two instances given one receive's events in opposite orders at the same moment: applied once, no deadlock between their inbox claims", async () => {
    const instances = [0, 1].map(() => {
      const wakes: string[][] = [];
      const h = createJobHandler({
        db: database.db,
        jobs,
        clock,
        calendarBucket: bucket,
        onChanged: (ids) => wakes.push([...ids]),
      });
      return { h, wakes };
    });
    const context = { log, receiveCount: 1, waitedMs: 0 };
    for (let i = 0; i < 30; i++) {
      const jobId = crypto.randomUUID();
      const events = [
        jobEvent(jobId, "requested", 0),
        jobEvent(jobId, "started", 1),
        jobEvent(jobId, "ready", 2),
      ];
      const [one, two] = instances as [(typeof instances)[0], (typeof instances)[0]];
      await Promise.all([
        ...events.map((e) => one.h(e, context)),
        ...[...events].reverse().map((e) => two.h(e, context)),
      ]);
      expect(await stored(jobId)).toEqual(fold(events));
    }
  });

  it("a never-heard job timed out at the moment its event arrives: one of the two wins whole, and the answer says which", async () => {
    const timeoutMs = 60_000;
    now.value = new Date(t0 + 10 * timeoutMs);
    const timeouts = createJobTimeouts({ db: database.db, jobs, clock, timeoutMs });
    for (let i = 0; i < 50; i++) {
      const jobId = crypto.randomUUID();
      const ready = jobEvent(jobId, "ready", i);
      const requestedAt = at(-1);
      const [answer, wakes] = await Promise.all([
        timeouts.statusOfUnheard(jobId, requestedAt),
        deliver(ready),
      ]);
      const job = await stored(jobId);
      expect([timedOutJob(jobId, requestedAt, timeoutMs), evolve(undefined, ready)]).toContainEqual(job);
      expect(answer).toBe(job?.status);
      // The event woke its streams only if it won: a SUCCESS once written is never overwritten.
      expect(wakes.length === 1).toBe(job?.status === "SUCCESS");
    }
  });

  it("a silent job swept at the moment its CalendarReady arrives: SUCCESS with its calendar, or FAILURE as the sweep said", async () => {
    const timeoutMs = 60_000;
    now.value = new Date(t0 + 10 * timeoutMs);
    const timeouts = createJobTimeouts({ db: database.db, jobs, clock, timeoutMs });
    for (let i = 0; i < 20; i++) {
      const jobId = crypto.randomUUID();
      const started = jobEvent(jobId, "started", 0);
      const ready = jobEvent(jobId, "ready", 1);
      await deliver(started);
      const [swept, wakes] = await Promise.all([timeouts.sweep(), deliver(ready)]);
      const job = await stored(jobId);
      if (job?.status === "SUCCESS") {
        expect(job).toEqual(fold([started, ready]));
        expect(swept).not.toContain(jobId);
        expect(wakes).toHaveLength(1);
      } else {
        expect(job).toEqual({ ...fold([started]), status: "FAILURE", error: timedOutReason(timeoutMs) });
        expect(swept).toContain(jobId);
        expect(wakes).toEqual([]);
      }
    }
  });
});
