// A small test-only "todo service" around the messaging package: a table, a write that enqueues its event in
// the same transaction, the relay, SNS -> SQS through ensureTopology, and a consumer whose effect is a row.
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { createEvent, type DomainEvent } from "@taskoverflow/contracts";
import { todoState } from "@taskoverflow/contracts/testing";
import { createLogger, executePrepared, type Logger, migrate, openDatabase } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  clientsFor,
  createTestDatabase,
  type TestDatabase,
} from "@taskoverflow/test-harness";
import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";
import {
  enqueueEvent,
  inboxMigration,
  outboxMigration,
  outboxV2Migration,
  outboxV3Migration,
  processOnceInOneStatement,
  type TopologyOptions,
} from "../src/index.ts";

export const testTablesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE todos_test (id serial PRIMARY KEY, title text NOT NULL)`.execute(db);
    await sql`CREATE TABLE effects (consumer text NOT NULL, event_id uuid NOT NULL, todo_id int NOT NULL)`.execute(
      db,
    );
  },
};

// biome-ignore lint/suspicious/noExplicitAny: the test schema is queried with raw SQL.
export type TestDb = Kysely<any>;

/** A PostgreSQL server at `url`, or in-memory PGlite when `url` is undefined (the embedded start). */
export async function openTestDb(url: string | undefined, log: Logger) {
  const database = await openDatabase<unknown>({ url, dataDir: "memory", poolSize: 20 }, log);
  await migrate(
    database.db,
    {
      "001_outbox": outboxMigration,
      "001_outbox_v2": outboxV2Migration,
      "001_outbox_v3": outboxV3Migration,
      "002_inbox": inboxMigration,
      "003_test": testTablesMigration,
    },
    log,
  );
  return database as { db: TestDb; close(): Promise<void> };
}

/**
 * The todo write as production does it: ONE statement writes the row and its TodoCreated (a data-modifying
 * CTE), so both commit together and nothing shared is locked; the outbox body is returned as the event. A named
 * prepared statement on a PostgreSQL server, as the todo service's writes are (parsed and planned once per
 * connection; `bench events` measures this write).
 */
export async function createTodo(db: TestDb, title: string, correlationId = "test"): Promise<DomainEvent> {
  const now = new Date().toISOString();
  const { payload: _none, ...envelope } = createEvent(
    "TodoCreated",
    // A placeholder id (createEvent validates it); only the envelope is kept, the statement writes the payload.
    { todo: todoState({ id: 1, title, createdAt: now, updatedAt: now }) },
    { correlationId, producer: "todo" },
  );
  const { rows } = await executePrepared(
    db,
    sql<{ body: string }>`
    WITH t AS (INSERT INTO todos_test (title) VALUES (${title}) RETURNING id, title),
    o AS (
      INSERT INTO outbox (event_id, type, body)
      SELECT ${envelope.id}::uuid, 'TodoCreated', (${JSON.stringify(envelope)}::jsonb || jsonb_build_object(
        'payload', jsonb_build_object('todo', jsonb_build_object(
          'id', id, 'title', title, 'description', NULL, 'completed', false, 'deadlineAt', NULL,
          'createdAt', ${now}::text, 'updatedAt', ${now}::text, 'version', 1))))::text
      FROM t RETURNING body
    )
    SELECT body FROM o`,
  );
  return JSON.parse(rows[0]?.body ?? "null") as DomainEvent;
}

/**
 * The consumer's effect, applied once per event through the inbox, in ONE statement as the calendar's
 * projector does it: the inbox row and the effect commit together or not at all.
 */
export async function applyEffect(
  db: TestDb,
  consumer: string,
  event: DomainEvent,
): Promise<"processed" | "duplicate"> {
  const todoId = "todo" in event.payload ? event.payload.todo.id : 0;
  return processOnceInOneStatement(
    db,
    { consumer, eventId: event.id },
    sql`, effect AS (INSERT INTO effects (consumer, event_id, todo_id) SELECT ${consumer}, event_id, ${todoId} FROM inbox)`,
  );
}

/**
 * `applyEffect` for a batch, as the calendar's projector applies the events of one receive: ONE statement for
 * all of them, each once (an event id given twice answers "duplicate" the second time); a named prepared
 * statement, as the projector's is.
 */
export async function applyEffects(
  db: TestDb,
  consumer: string,
  events: DomainEvent[],
): Promise<("processed" | "duplicate")[]> {
  const input = [...new Map(events.map((e) => [e.id, e])).values()].map((e) => ({
    event_id: e.id,
    todo_id: "todo" in e.payload ? e.payload.todo.id : 0,
  }));
  const { rows } = await executePrepared(
    db,
    sql<{ event_id: string }>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS x(event_id uuid, todo_id int)
    ),
    inbox AS (
      INSERT INTO processed_events (consumer, event_id) SELECT ${consumer}, event_id FROM input ORDER BY event_id
      ON CONFLICT DO NOTHING RETURNING event_id
    ),
    effect AS (
      INSERT INTO effects (consumer, event_id, todo_id)
      SELECT ${consumer}, event_id, todo_id FROM input JOIN inbox USING (event_id)
    )
    SELECT event_id::text AS event_id FROM inbox`,
  );
  const fresh = new Set(rows.map((r) => r.event_id));
  return events.map((e) => (fresh.delete(e.id) ? "processed" : "duplicate"));
}

export async function effectCounts(db: TestDb, consumer: string) {
  const { rows } = await sql<{ total: string; distinct_events: string }>`
    SELECT count(*) AS total, count(DISTINCT event_id) AS distinct_events FROM effects WHERE consumer = ${consumer}`.execute(
    db,
  );
  return { total: Number(rows[0]?.total), distinct: Number(rows[0]?.distinct_events) };
}

/** A queue's approximate counts: messages waiting (`visible`) and received but not yet deleted (`inFlight`). */
export async function queueCounts(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const { Attributes: a } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(a?.ApproximateNumberOfMessages),
    inFlight: Number(a?.ApproximateNumberOfMessagesNotVisible),
  };
}

/** The pipeline's clients: no SDK retries, so a test sees the broker being down. */
export function awsClients(aws: Pick<AwsEndpoint, "endpoint" | "region" | "credentials">) {
  return clientsFor(aws, { maxAttempts: 1 });
}

/**
 * What a pipeline test block shares: an emulator and its clients, a test database with the pipeline
 * schema. `stop()` releases them in reverse order.
 */
export interface PipelineFixture {
  aws: AwsEndpoint;
  clients: ReturnType<typeof awsClients>;
  database: TestDatabase;
  db: TestDb;
  stop(): Promise<void>;
}

export async function startPipelineFixture(
  startEmulator: () => Promise<AwsEndpoint>,
  log: Logger,
): Promise<PipelineFixture> {
  const aws = await startEmulator();
  const clients = awsClients(aws);
  const database = await createTestDatabase();
  const { db, close } = await openTestDb(database.url, log);
  return {
    aws,
    clients,
    database,
    db,
    async stop() {
      await close();
      await database.drop();
      clients.sns.destroy();
      clients.sqs.destroy();
      await aws.stop();
    },
  };
}

export const fastTopology = (prefix: string): TopologyOptions => ({
  prefix,
  visibilityTimeoutSeconds: 2,
  maxReceiveCount: 3,
});

/** A pino logger whose lines the test can read back. */
export function capturingLogger(service: string) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    service,
    level: "debug",
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { log, lines };
}

/**
 * Writes `event` to the outbox in a transaction that stays open until `release()` (an old open transaction
 * holding numbering back); resolves once the row is written. `committed` settles when the transaction ends.
 */
export async function holdOpenTransaction(db: TestDb, event: DomainEvent) {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let wrote: () => void = () => {};
  const written = new Promise<void>((r) => {
    wrote = r;
  });
  const committed = db.transaction().execute(async (trx) => {
    await enqueueEvent(trx, event);
    wrote();
    await held;
  });
  await Promise.race([written, committed]);
  return { release, committed };
}
