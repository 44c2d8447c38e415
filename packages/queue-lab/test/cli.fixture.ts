// The queue-lab int tests' fixture: the real CLI run as a child process with a lab machine's environment, what it
// printed, and an emulator with its SQS client for a describe block.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CreateQueueCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll } from "@jest/globals";
import { type AwsEndpoint, clientsFor } from "@taskoverflow/test-harness";
import type { Summary } from "../src/summary.ts";

// The real CLI, as `node packages/queue-lab/src/cli.ts`, against each emulator of this run.
export const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
export const rootScript = fileURLToPath(new URL("../../../scripts/queue.ts", import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment of a lab machine: credentials from the standard variables, no endpoint unless a test sets one. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
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

export function runScript(script: string, args: string[], env = cliEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
export const runCli = (args: string[], env?: NodeJS.ProcessEnv) => runScript(cli, args, env);

type ReceiverReport = Summary & { queue: string; receiver: string };
export const lastJson = (run: Run): ReceiverReport => JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "");

/** The `[HH:MM:SS] client: body` lines a receiver printed, as [client, index] in arrival order. */
export function printed(run: Run): Array<[string, number]> {
  return [...run.stdout.matchAll(/^\[\d\d:\d\d:\d\d\] (.+?): (?:.*)Message (\d+)$/gm)].map(
    (m): [string, number] => [m[1] ?? "", Number(m[2])],
  );
}

/** An emulator for the describe block: its SQS client, the CLI flags that point at it, and queue creation. */
export function useLabEmulator(start: () => Promise<AwsEndpoint>) {
  const lab = {} as { aws: AwsEndpoint; sqs: SQSClient; at: string[] };
  beforeAll(async () => {
    lab.aws = await start();
    lab.sqs = clientsFor(lab.aws).sqs;
    // --endpoint and --region of the emulator.
    lab.at = ["--endpoint", lab.aws.endpoint, "--region", lab.aws.region];
  });
  afterAll(async () => {
    lab.sqs?.destroy();
    await lab.aws?.stop();
  });
  const createQueue = (name: string) =>
    lab.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: name.endsWith(".fifo") ? { FifoQueue: "true", ContentBasedDeduplication: "true" } : {},
      }),
    );
  return Object.assign(lab, { createQueue });
}
