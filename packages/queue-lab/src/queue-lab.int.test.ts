import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CreateQueueCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import {
  type AwsEndpoint,
  awsEmulators,
  clientsFor,
  startProcess,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import { receiveMessages } from "./receiver.ts";
import type { Delivery, Summary } from "./summary.ts";

// Each case starts several Node processes; on a loaded 2-core runner one start can take seconds.
jest.setTimeout(120_000);

// The real CLI, as `node packages/queue-lab/src/cli.ts`, against each emulator of this run.
const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
const rootScript = fileURLToPath(new URL("../../../scripts/queue.ts", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment of a lab machine: credentials from the standard variables, no endpoint unless a test sets one. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };
  for (const key of [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "FORCE_COLOR",
  ]) {
    delete env[key];
  }
  return { ...env, ...extra };
}

function runScript(script: string, args: string[], env = cliEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const runCli = (args: string[], env?: NodeJS.ProcessEnv) => runScript(cli, args, env);

type ReceiverReport = Summary & { queue: string; receiver: string };
const lastJson = (run: Run): ReceiverReport => JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "");

/** The `[HH:MM:SS] client: body` lines a receiver printed, as [client, index] in arrival order. */
function printed(run: Run): Array<[string, number]> {
  return [...run.stdout.matchAll(/^\[\d\d:\d\d:\d\d\] (.+?): (?:.*)Message (\d+)$/gm)].map(
    (m): [string, number] => [m[1] ?? "", Number(m[2])],
  );
}

describe("queue-lab flags", () => {
  it("gives usage help and exit code 2 for bad flags", async () => {
    for (const args of [
      ["--bogus"],
      ["--name", "q"],
      ["--name", "q", "--client-name", "c", "--count", "many"],
    ]) {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^queue-lab: .+\n\nUsage: queue-lab --name QUEUE/);
      expect(run.stdout).toBe("");
    }
  });

  it("prints the help on --help, also through the root script behind npm run queue", async () => {
    for (const script of [cli, rootScript]) {
      const run = await runScript(script, ["--help"]);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toContain("--idle-exit SECONDS");
    }
  });
});

describe.each(awsEmulators())("queue-lab against $name", ({ start }) => {
  let aws: AwsEndpoint;
  let sqs: SQSClient;
  let at: string[];

  beforeAll(async () => {
    aws = await start();
    ({ sqs } = clientsFor(aws));
    at = ["--endpoint", aws.endpoint, "--region", aws.region];
  });
  afterAll(async () => {
    sqs?.destroy();
    await aws?.stop();
  });

  const createQueue = async (name: string) =>
    sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: name.endsWith(".fifo") ? { FifoQueue: "true", ContentBasedDeduplication: "true" } : {},
      }),
    );

  it("keeps FIFO order end to end", async () => {
    const name = `${uniqueName("lab")}.fifo`;
    const sent = await runCli([
      "--name",
      name,
      "--client-name",
      "Client 1",
      "--count",
      "50",
      "--create",
      ...at,
    ]);
    expect(sent).toMatchObject({ code: 0, stderr: "" });
    expect(sent.stdout).toBe(`Client 1: the queue ${name} accepted 50 of 50 messages\n`);

    const got = await runCli(["--name", name, "--receive", "--count", "50", "--max-messages", "50", ...at]);
    expect(got.code).toBe(0);
    expect(printed(got)).toEqual(Array.from({ length: 50 }, (_, i) => ["Client 1", i]));
    expect(got.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] Client 1: Message 0$/m);
    expect(got.stdout).not.toContain("\u001b["); // piped: no colour
    expect(got.stdout).toMatch(
      /Summary: 50 messages received from 1 sender\n {2}Client 1: 50 received, 0 out of order, 0 duplicates, none missing\n$/,
    );
  });

  it("deduplicates a re-run (even by another sender) within the deduplication window; --prepend defeats that", async () => {
    const name = `${uniqueName("lab")}.fifo`;
    const send = (...extra: string[]) =>
      runCli(["--name", name, "--client-name", "Client 1", "--count", "20", "--create", ...extra, ...at]);
    expect((await send()).code).toBe(0);
    const again = await send();
    // The queue accepts the copies; content-based deduplication drops them.
    expect(again).toMatchObject({
      code: 0,
      stdout: `Client 1: the queue ${name} accepted 20 of 20 messages\n`,
    });
    expect((await send("--prepend", "again ")).code).toBe(0);
    // Deduplication looks at the body, not the attributes: another sender's identical bodies are dropped too.
    const other = await runCli(["--name", name, "--client-name", "Client 2", "--count", "20", ...at]);
    expect(other).toMatchObject({
      code: 0,
      stdout: `Client 2: the queue ${name} accepted 20 of 20 messages\n`,
    });

    const got = await runCli([
      "--name",
      name,
      "--receive",
      "--count",
      "20",
      "--idle-exit",
      "2",
      "--json",
      ...at,
    ]);
    expect(got.code).toBe(0);
    const report = lastJson(got);
    expect(report.received).toBe(40);
    expect(report.senders).toEqual(
      ["", "again "].map((prepend) => ({
        client: "Client 1",
        prepend,
        received: 20,
        distinct: 20,
        outOfOrder: 0,
        duplicates: 0,
        missing: [],
        unparsed: 0,
      })),
    );
  });

  it.each(["standard", "fifo"])(
    "runs several senders and receivers at once on a %s queue with correct summaries",
    async (kind) => {
      const name = kind === "fifo" ? `${uniqueName("lab")}.fifo` : uniqueName("lab");
      const { QueueUrl = "" } = await createQueue(name);
      const count = 30;
      const clients = ["Client 1", "Client 2", "Client 3"];
      // Two receivers in this process, told to stop once every message has reached one of them (the idle
      // exit is only a safety net); three senders as real CLI processes, all at the same time.
      const stop = new AbortController();
      const distinct = new Set<string>();
      const seenBy: Delivery[][] = [[], []];
      const receivers = seenBy.map((seen) =>
        receiveMessages(sqs, {
          queueUrl: QueueUrl,
          expectedPerSender: count,
          idleExitMs: 30_000,
          signal: stop.signal,
          onMessage: (d) => {
            seen.push(d);
            distinct.add(d.body + d.client);
            if (distinct.size === clients.length * count) stop.abort();
          },
        }),
      );
      // Content-based deduplication looks at the body only: on the FIFO queue, senders with the same bodies
      // would deduplicate each other, so each gets its own --prepend (the course's advice for a second run).
      const prependFor = (c: string) => (kind === "fifo" ? `${c.replace(" ", "")}-` : "");
      const senders = await Promise.all(
        clients.map((c) =>
          runCli([
            "--name",
            name,
            "--client-name",
            c,
            "--count",
            String(count),
            "--prepend",
            prependFor(c),
            ...at,
          ]),
        ),
      );
      for (const s of senders) expect(s).toMatchObject({ code: 0, stderr: "" });
      const reports = await Promise.all(receivers);
      expect(reports.map((r) => r.stoppedBy)).toEqual(["signal", "signal"]);
      expect(reports.reduce((n, r) => n + r.summary.received, 0)).toBe(clients.length * count);

      const all = Array.from({ length: count }, (_, i) => i);
      for (const client of clients) {
        const indices = seenBy.map((seen) =>
          seen.filter((d) => d.client === client).map((d) => Number(d.body.replace(/^.*Message /, ""))),
        );
        // Every message reached exactly one receiver.
        expect(indices.flat().sort((a, b) => a - b)).toEqual(all);
        reports.forEach(({ summary }, k) => {
          const seen = indices[k] ?? [];
          const mine = summary.senders.find((s) => s.client === client);
          if (seen.length === 0) {
            expect(mine).toBeUndefined();
            return;
          }
          // Each receiver's summary agrees with what it was handed, in the order it was handed it.
          const late = seen.filter((i, j) => seen.slice(0, j).some((earlier) => earlier > i)).length;
          expect(mine).toEqual({
            client,
            prepend: prependFor(client),
            received: seen.length,
            distinct: seen.length,
            outOfOrder: late,
            duplicates: 0,
            missing: all.filter((i) => !seen.includes(i)),
            unparsed: 0,
          });
          // One message group: each receiver gets each sender's messages in the order they were sent.
          if (kind === "fifo") expect(late).toBe(0);
        });
      }
    },
  );

  it("survives messages without the client attribute", async () => {
    const name = uniqueName("lab");
    const { QueueUrl } = await createQueue(name);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hello" }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "Message 3" }));
    const got = await runCli(["--name", name, "--receive", "--count", "4", "--max-messages", "2", ...at]);
    expect(got).toMatchObject({ code: 0, stderr: "" });
    expect(got.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] \(unknown\): hello$/m);
    expect(got.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] \(unknown\): Message 3$/m);
    expect(got.stdout).toContain(
      '  (unknown): 2 received, 0 out of order, 0 duplicates, 3 missing (0-2), 1 not "Message N"',
    );
  });

  it("prints the summary on Ctrl-C", async () => {
    const name = uniqueName("lab");
    expect(
      (await runCli(["--name", name, "--client-name", "A", "--count", "5", "--create", ...at])).code,
    ).toBe(0);
    const receiver = startProcess(
      process.execPath,
      [cli, "--name", name, "--receive", "--count", "5", ...at],
      {
        env: cliEnv(),
      },
    );
    try {
      await waitFor(() => (receiver.output().match(/A: Message \d/g) ?? []).length === 5, {
        what: "5 messages printed",
        timeoutMs: 60_000,
      });
      const exit = new Promise<number | null>((resolve) => receiver.child.once("exit", resolve));
      receiver.child.kill("SIGINT");
      expect(await exit).toBe(0);
      expect(receiver.output()).toContain(
        "Summary: 5 messages received from 1 sender\n  A: 5 received, 0 out of order, 0 duplicates, none missing",
      );
    } finally {
      await receiver.stop("SIGKILL");
    }
  });

  it("says in one line that a queue is missing, with a non-zero exit code", async () => {
    const name = uniqueName("missing");
    for (const mode of [["--client-name", "A"], ["--receive"]]) {
      const run = await runCli(["--name", name, ...mode, ...at]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(
        `queue-lab: queue "${name}" does not exist at ${aws.endpoint} (region ${aws.region}); create it with --create or with terraform/queue-lab\n`,
      );
    }
  });

  it("takes the endpoint from AWS_ENDPOINT_URL_SQS, and an explicit --endpoint wins over it", async () => {
    const name = uniqueName("lab");
    await createQueue(name);
    const fromEnv = await runCli(
      ["--name", name, "--client-name", "A", "--count", "1"],
      cliEnv({ AWS_ENDPOINT_URL_SQS: aws.endpoint, AWS_REGION: aws.region }),
    );
    expect(fromEnv).toMatchObject({ code: 0, stderr: "" });
    const flagWins = await runCli(
      ["--name", name, "--client-name", "A", "--count", "1", ...at],
      cliEnv({ AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9", AWS_ENDPOINT_URL: "http://127.0.0.1:9" }),
    );
    expect(flagWins).toMatchObject({ code: 0, stderr: "" });
    const got = await runCli([
      "--name",
      name,
      "--receive",
      "--count",
      "1",
      "--max-messages",
      "2",
      "--json",
      ...at,
    ]);
    expect(lastJson(got).senders).toMatchObject([{ client: "A", received: 2, duplicates: 1 }]);
  });
});
