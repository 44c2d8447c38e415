import { describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { awsEmulators, freePort, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import {
  createOutboxRelay,
  createSnsPublisher,
  type EventPublisher,
  ensureTopology,
  pgOutboxWakeSource,
} from "../src/index.ts";
import { useBackbone } from "./backbone.ts";
import { awsClients, createTodo, effectCounts, fastTopology } from "./pipeline.ts";

describe.each(awsEmulators())("event delivery on $name", ({ start }) => {
  const bb = useBackbone(start, "messaging-int");
  const { log, lines, stops, consume } = bb;

  it("delivers every todo write to the consumer exactly once, with two relays racing on one outbox", async () => {
    const { clients, database, db } = bb.fixture;
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("happy")}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    // Two service instances: one woken by LISTEN/NOTIFY, one by its own wake() calls.
    const listening = createOutboxRelay({
      db,
      publisher,
      log,
      batchSize: 7,
      wakeSource: pgOutboxWakeSource({ connectionString: database.url, log }),
    });
    const local = createOutboxRelay({ db, publisher, log, batchSize: 7 });
    for (const r of [listening, local]) {
      await r.start();
      stops.push(() => r.stop());
    }
    const { seen } = await consume(t.queues.calendar.url, "happy", undefined, { concurrency: 5 });

    const events = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const e = await createTodo(db, `todo ${i}`);
        local.wake();
        return e;
      }),
    );
    await waitFor(async () => (await effectCounts(db, "happy")).total >= 60, { what: "60 effects" });
    expect(await effectCounts(db, "happy")).toEqual({ total: 60, distinct: 60 });
    // No double send in the normal path: the handler saw each event once, on its first delivery.
    expect(seen.map((s) => s.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(seen.every((s) => s.result === "processed")).toBe(true);
    const { rows } = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM outbox WHERE (sequence IS NULL OR sequence > (SELECT published_through FROM outbox_head))`.execute(
      db,
    );
    expect(rows[0]?.n).toBe("0");
  });

  it("keeps events while SNS is unreachable and delivers each once when it is back", async () => {
    const { aws, clients, db } = bb.fixture;
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("down")}-`));
    // The real SNS client against a real closed port, then the live endpoint.
    const dead = awsClients({ ...aws, endpoint: `http://127.0.0.1:${await freePort()}` });
    stops.push(async () => dead.sns.destroy());
    const publishers = {
      dead: createSnsPublisher({ sns: dead.sns, topicArn: t.topicArn }),
      live: createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn }),
    };
    let current: EventPublisher = publishers.dead;
    const relay = createOutboxRelay({
      db,
      publisher: { publish: (events) => current.publish(events) },
      log,
      retryBaseMs: 50,
      retryMaxMs: 400,
    });
    await relay.start();
    stops.push(() => relay.stop());
    await consume(t.queues.calendar.url, "down");

    const events: DomainEvent[] = [];
    for (let i = 0; i < 15; i++) {
      events.push(await createTodo(db, `offline ${i}`));
      relay.wake();
    }
    const ids = events.map((e) => e.id);
    // Observable: every row was attempted at least twice and carries the connection error.
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: string }>`
          SELECT count(*) AS n FROM outbox WHERE event_id = ANY(${ids}::uuid[]) AND attempts >= 2
            AND (sequence IS NULL OR sequence > (SELECT published_through FROM outbox_head)) AND last_error IS NOT NULL`.execute(
          db,
        );
        return Number(rows[0]?.n) === ids.length;
      },
      { what: "failed publish attempts recorded on the outbox rows" },
    );
    expect(await effectCounts(db, "down")).toEqual({ total: 0, distinct: 0 });
    const { rows } = await sql<{ last_error: string }>`
      SELECT last_error FROM outbox WHERE event_id = ${ids[0]}`.execute(db);
    expect(rows[0]?.last_error).toMatch(/ECONNREFUSED/);
    expect(lines.some((l) => l.msg === "outbox publish failed; backing off")).toBe(true);

    current = publishers.live;
    await waitFor(async () => (await effectCounts(db, "down")).total >= 15, {
      what: "15 effects after recovery",
    });
    expect(await effectCounts(db, "down")).toEqual({ total: 15, distinct: 15 });
    expect(lines.some((l) => l.msg === "outbox relay recovered: broker reachable again")).toBe(true);
  });

  it("applies an event delivered twice only once", async () => {
    const { clients, db } = bb.fixture;
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("dup")}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    const { seen } = await consume(t.queues.calendar.url, "dup");
    const event = await createTodo(db, "twice");
    await publisher.publish([event]);
    await publisher.publish([event]);
    await waitFor(() => seen.length >= 2, { what: "both deliveries handled" });
    expect(seen.map((s) => s.result).sort()).toEqual(["duplicate", "processed"]);
    expect(await effectCounts(db, "dup")).toEqual({ total: 1, distinct: 1 });
  });
});
