// npm run bench -- events [--events 2000] [--writers 16] [--emulator fauxqs|moto|both] [--db postgres|pglite]
//                         [--durability durable|fast] [--consumer-concurrency 20]
// Events per second and p50/p99 latency from a todo write (row + outbox in one statement) to the consumer's
// effect (a row written through the inbox, the messages of one receive in one statement), through the outbox
// relay, SNS PublishBatch, the filtered SQS subscription and the SQS consumer: the whole event path, on fauxqs
// and on moto server, each in a process of its own. As deployed, the producer (writers + relay, like the todo
// service) and the consumer (like the calendar service, with a database of its own) are separate processes
// (bench/lib/events-role.ts); latency is measured on the machine's wall clock shared by both. Under load it also
// prints the CPU per event of each process group (the two roles, PostgreSQL, fauxqs, the rest).
import { fork } from "node:child_process";
import { durabilitySettings, postgresBinDir, startMoto } from "@taskoverflow/test-harness";
import { ensureTopology } from "../packages/messaging/src/index.ts";
import { awsClients } from "../packages/messaging/test/pipeline.ts";
import { benchArgs } from "./lib/args.ts";
import { cpuGroups } from "./lib/cpu.ts";
import type { RoleCommand, RoleConfig, RoleReport } from "./lib/events-role.ts";
import { startFauxqsProcess } from "./lib/fauxqs-process.ts";
import { startBenchInfra } from "./lib/infra.ts";
import { benchCommand, machineLine, ms1 } from "./lib/stats.ts";

const args = benchArgs("events", {
  events: "2000",
  writers: "16",
  emulator: "both",
  db: postgresBinDir() ? "postgres" : "pglite",
  durability: "durable",
  // Messages the consumer handles at once (CONSUMER_CONCURRENCY): a receive loop per 10.
  "consumer-concurrency": "20",
});
const durability = args.choice("durability", ["durable", "fast"] as const);
const total = args.int("events");
const writers = args.int("writers");
const emulator = args.choice("emulator", ["fauxqs", "moto", "both"] as const);
const emulators = emulator === "both" ? ["fauxqs", "moto"] : [emulator];
const usePostgres = args.choice("db", ["postgres", "pglite"] as const) === "postgres";
const consumerConcurrency = args.int("consumer-concurrency", 1);

interface Result {
  emulator: string;
  db: string;
  mode: string;
  events: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU ms per event by process group (16-writer rows only). */
  cpu?: Record<string, number>;
}
const results: Result[] = [];

/** One side of the pipeline in a process of its own (bench/lib/events-role.ts). */
function startRole(role: "producer" | "consumer", config: RoleConfig) {
  const child = fork(new URL("./lib/events-role.ts", import.meta.url).pathname, [role], {
    env: { ...process.env, BENCH_ROLE_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const listeners = new Set<(r: RoleReport) => void>();
  child.on("message", (r: RoleReport) => {
    for (const l of listeners) l(r);
  });
  const until = (what: RoleReport["type"]) =>
    new Promise<void>((resolve, reject) => {
      // Each wait takes its exit listener away again: a run waits hundreds of times on one child.
      const exited = (code: number | null) => reject(new Error(`bench events: the ${role} exited (${code})`));
      const l = (r: RoleReport) => {
        if (r.type !== what) return;
        listeners.delete(l);
        child.off("exit", exited);
        resolve();
      };
      listeners.add(l);
      child.once("exit", exited);
    });
  return {
    child,
    onReport: (l: (r: RoleReport) => void) => listeners.add(l),
    until,
    send: (c: RoleCommand) => child.send(c),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ cmd: "stop" } satisfies RoleCommand);
      await exited;
    },
  };
}

for (const emulator of emulators) {
  const infra = await startBenchInfra({ postgres: usePostgres && durability, broker: false });
  try {
    const fauxqs = emulator === "fauxqs" ? await startFauxqsProcess() : undefined;
    const aws = infra.own(fauxqs ?? (await startMoto()));
    // The producer's database and the consumer's, as the todo and the calendar service have.
    const dbs = usePostgres ? [await infra.newDb(), await infra.newDb()] : [];
    const clients = awsClients(aws);
    try {
      const t = await ensureTopology(clients, { prefix: "bench-" });
      const base = { aws, topicArn: t.topicArn, queueUrl: t.queues.calendar.url };
      const producer = infra.own(startRole("producer", { ...base, ...(dbs[0] && { dbUrl: dbs[0] }) }));
      const consumer = infra.own(
        startRole("consumer", {
          ...base,
          concurrency: consumerConcurrency,
          ...(dbs[1] && { dbUrl: dbs[1] }),
        }),
      );
      await Promise.all([producer.until("ready"), consumer.until("ready")]);

      const started = new Map<string, number>();
      const effects = new Map<string, number>();
      const latencies: number[] = [];
      let onEffect: (() => void) | undefined;
      const match = (id: string) => {
        const t0 = started.get(id);
        const t1 = effects.get(id);
        if (t0 === undefined || t1 === undefined) return;
        latencies.push(t1 - t0);
        started.delete(id);
        effects.delete(id);
      };
      // Each side reports (event id, time) pairs; a latency is known once both sides have reported an id.
      const record = (times: Map<string, number>, at: [string, number][]) => {
        for (const [id, t] of at) {
          times.set(id, t);
          match(id);
        }
        onEffect?.();
      };
      producer.onReport((r) => r.type === "written" && record(started, r.at));
      consumer.onReport((r) => r.type === "effects" && record(effects, r.at));
      const waitForEffects = (n: number) =>
        new Promise<void>((resolve) => {
          onEffect = () => latencies.length >= n && resolve();
          onEffect();
        });
      let written = 0;
      const write = async (count: number, writers: number) => {
        const done = producer.until("writes-done");
        producer.send({ cmd: "write", count, writers, from: written });
        written += count;
        await done;
      };

      // Warm-up, not measured.
      await write(50, 1);
      await waitForEffects(50);

      // 1. Latency on a quiet system: one write at a time, each waiting for its effect.
      latencies.length = 0;
      const quiet = Math.min(200, total);
      let t0 = performance.now();
      for (let i = 0; i < quiet; i++) {
        await write(1, 1);
        await waitForEffects(i + 1);
      }
      results.push(summary(emulator, "one at a time", quiet, performance.now() - t0, latencies));

      // 2. Throughput under load: `writers` concurrent writers, `total` events.
      latencies.length = 0;
      // Where the cycles go (Linux /proc): the two roles, the broker (fauxqs; moto counts as "other"),
      // PostgreSQL (server and backends: the producer's database and the consumer's), the rest of the machine.
      const cpu = cpuGroups({
        producer: producer.child.pid,
        consumer: consumer.child.pid,
        broker: fauxqs?.pid,
      });
      const cpuFrom = cpu.snapshot();
      t0 = performance.now();
      await write(total, writers);
      await waitForEffects(total);
      const used = cpu.since(cpuFrom);
      results.push({
        ...summary(emulator, `${writers} writers`, total, performance.now() - t0, latencies),
        cpu: Object.fromEntries(Object.entries(used).map(([group, ms]) => [group, ms / total])),
      });
    } finally {
      clients.sns.destroy();
      clients.sqs.destroy();
    }
  } finally {
    await infra.stop();
  }
}

function summary(emulator: string, mode: string, events: number, ms: number, latencies: number[]): Result {
  return {
    emulator,
    db: usePostgres
      ? `PostgreSQL (local, ${durability}: ${durabilitySettings(durability).join(", ")})`
      : "PGlite",
    mode,
    events,
    perSecond: Math.round((events / ms) * 1000),
    p50: ms1(latencies, 50),
    p99: ms1(latencies, 99),
  };
}

process.stdout.write(
  `\n\`${benchCommand("events")}\`\n\n` +
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${machineLine()}\n` +
    "- latency: from the start of the write transaction to the commit of the consumer's effect\n" +
    `- consumer concurrency ${consumerConcurrency} (a receive loop per 10)\n`,
);
process.stdout.write(
  "\n| emulator | database | load | events | events/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|\n",
);
for (const r of results) {
  process.stdout.write(
    `| ${r.emulator} | ${r.db} | ${r.mode} | ${r.events} | ${r.perSecond} | ${r.p50} | ${r.p99} |\n`,
  );
}
const groups = ["producer", "consumer", "postgres", "broker", "other"];
const cpuRows = results.filter((r) => r.cpu);
if (cpuRows.length > 0) {
  process.stdout.write(
    "\nCPU per event under load, ms (Linux /proc, whole 10 ms ticks; producer: writers + relay; broker: fauxqs, while moto counts in other)\n\n" +
      `| emulator | ${groups.join(" | ")} | all |\n|---|${groups.map(() => "---:").join("|")}|---:|\n`,
  );
  for (const r of cpuRows) {
    const per = (g: string) => r.cpu?.[g] ?? 0;
    const all = Object.values(r.cpu ?? {}).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `| ${r.emulator} | ${groups.map((g) => per(g).toFixed(3)).join(" | ")} | ${all.toFixed(3)} |\n`,
    );
  }
}
const floorRow = results.find((r) => r.emulator === "fauxqs" && r.mode === "16 writers");
if (floorRow) {
  const met = floorRow.perSecond >= 1500 && floorRow.p99 < 100;
  process.stdout.write(
    `\nFloor (issue 8), fauxqs with 16 writers: >= 1,500 events/s and p99 < 100 ms: ${met ? "met" : "NOT met"} ` +
      `(${floorRow.perSecond} events/s, p99 ${floorRow.p99} ms)\n`,
  );
}
