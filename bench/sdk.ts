// npm run bench -- sdk [--calls 200] [--rounds 4] [--calendar-events 100]
// What one AWS call costs the caller's CPU: each call the services make on a job's or an event's path (SNS
// PublishBatch of 10 events and of 1, SQS ReceiveMessage of up to 10 + DeleteMessageBatch, S3 PutObject and
// GetObject of a calendar of `--calendar-events` events), made `--calls` times in sequence through the AWS SDK v3
// with the services' client options, and the same request written out over node:http with a SigV4 signature
// (packages/messaging/test/raw-aws.ts), against fauxqs in a process of its own. The transports alternate round
// by round; the table gives the median of the rounds. CPU is this process's (user + system), so the broker's
// own work is not in it.

import {
  type CallCost,
  callKinds,
  callLabels,
  measureCallCosts,
} from "../packages/messaging/test/sdk-cost.ts";
import { benchArgs } from "./lib/args.ts";
import { startFauxqsProcess } from "./lib/fauxqs-process.ts";
import { benchCommand, machineLine, median } from "./lib/stats.ts";

const args = benchArgs("sdk", { calls: "200", rounds: "4", "calendar-events": "100" });
const calls = args.int("calls", 1);
const rounds = args.int("rounds", 1);
const calendarEvents = args.int("calendar-events", 1);

const aws = await startFauxqsProcess();
const startedAt = new Date();
const machine = machineLine();
let results: CallCost[][];
try {
  // The services take their credentials from the environment; so does the benchmark's SDK client.
  process.env.AWS_ACCESS_KEY_ID = aws.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = aws.credentials.secretAccessKey;
  results = await measureCallCosts(aws, { calls, rounds, calendarEvents }, (costs) =>
    process.stderr.write(
      `round: ${costs.map((c) => `${c.transport} ${c.kind} ${c.cpuMs.toFixed(2)}`).join(", ")}\n`,
    ),
  );
} finally {
  await aws.stop();
}

const cell = (kind: string, transport: string, pick: (c: CallCost) => number | undefined) =>
  median(
    results
      .flat()
      .filter((c) => c.kind === kind && c.transport === transport)
      .map(pick)
      .filter((x): x is number => x !== undefined),
  );
const f2 = (x: number) => x.toFixed(2);
process.stdout.write(
  `\n\`${benchCommand("sdk")}\`\n\n- date: ${startedAt.toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${machine}\n` +
    `- ${calls} calls of each kind per transport in each of ${rounds} rounds, in sequence, against fauxqs in a ` +
    "process of its own; medians of the rounds; CPU: this process's user + system time per call\n\n" +
    "| call | AWS SDK: CPU ms | raw HTTP + SigV4: CPU ms | SDK / raw | AWS SDK: wall ms | raw: wall ms |\n" +
    "|---|---:|---:|---:|---:|---:|\n",
);
for (const kind of callKinds) {
  const sdk = cell(kind, "sdk", (c) => c.cpuMs);
  const raw = cell(kind, "raw", (c) => c.cpuMs);
  const per = cell(kind, "sdk", (c) => c.perReceive);
  const label = Number.isNaN(per)
    ? callLabels[kind]
    : `${callLabels[kind]} (${per.toFixed(1)} messages a receive)`;
  process.stdout.write(
    `| ${label} | ${f2(sdk)} | ${f2(raw)} | ${(sdk / raw).toFixed(1)}x | ${f2(cell(kind, "sdk", (c) => c.wallMs))} | ${f2(cell(kind, "raw", (c) => c.wallMs))} |\n`,
  );
}
