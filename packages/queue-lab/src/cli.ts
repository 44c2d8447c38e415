#!/usr/bin/env node
// The thin entry: flags in, one of sender/receiver run, a report and an exit code out.
// Exit codes: 0 done, 1 an SQS or network failure (one line on stderr), 2 bad flags (usage on stderr).
import { SingleBar } from "cli-progress";
import { logLine } from "./message.ts";
import { type LabOptions, parseOptions, USAGE } from "./options.ts";
import { receiveMessages } from "./receiver.ts";
import { sendMessages } from "./sender.ts";
import { createSqsClient, describeError, resolveQueueUrl } from "./sqs.ts";
import { formatSummary } from "./summary.ts";

const useColor = (stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean =>
  env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0"
    ? true
    : Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== "dumb";

/** First Ctrl-C (or SIGTERM) asks for a clean stop; a second one quits at once. */
function stopOnSignals(onFirst: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    onFirst();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

async function run(options: LabOptions): Promise<number> {
  const { client, region } = await createSqsClient({ endpoint: options.endpoint, region: options.region });
  const where = { endpoint: options.endpoint, region };
  const stop = stopOnSignals(() =>
    process.stderr.write("\nstopping after the request in flight (Ctrl-C again to quit now)\n"),
  );
  try {
    const queueUrl = await resolveQueueUrl(client, options.name, options.create);
    return options.mode === "send"
      ? await send(options, client, queueUrl, stop.signal, where)
      : await receive(options, client, queueUrl, stop.signal);
  } catch (err) {
    process.stderr.write(`queue-lab: ${describeError(err, where)}\n`);
    return 1;
  } finally {
    stop.dispose();
    client.destroy();
  }
}

async function send(
  options: LabOptions,
  client: Awaited<ReturnType<typeof createSqsClient>>["client"],
  queueUrl: string,
  signal: AbortSignal,
  where: { endpoint: string | undefined; region: string },
): Promise<number> {
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: `${options.clientName} → ${options.name} [{bar}] {value}/{total}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      })
    : undefined;
  bar?.start(options.count, 0);
  const report = await sendMessages(client, {
    queueUrl,
    queueName: options.name,
    clientName: options.clientName,
    prepend: options.prepend,
    count: options.count,
    signal,
    ...(bar ? { onProgress: (n: number) => bar.update(n) } : {}),
  });
  bar?.stop();
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ queue: options.name, client: options.clientName, attempted: report.attempted, accepted: report.accepted, interrupted: report.interrupted })}\n`,
    );
  } else {
    process.stdout.write(
      `${options.clientName}: the queue ${options.name} accepted ${report.accepted} of ${options.count} messages${report.interrupted ? " (interrupted)" : ""}\n`,
    );
  }
  if (report.error !== undefined) {
    process.stderr.write(`queue-lab: ${describeError(report.error, where)}\n`);
    return 1;
  }
  return report.interrupted ? 130 : 0;
}

async function receive(
  options: LabOptions,
  client: Awaited<ReturnType<typeof createSqsClient>>["client"],
  queueUrl: string,
  signal: AbortSignal,
): Promise<number> {
  const color = useColor(process.stdout, process.env);
  const { summary } = await receiveMessages(client, {
    queueUrl,
    expectedPerSender: options.count,
    maxMessages: options.maxMessages,
    idleExitMs: options.idleExitSeconds === undefined ? undefined : options.idleExitSeconds * 1000,
    signal,
    onMessage: (d) => process.stdout.write(`${logLine(d.at, d.client, d.body, color)}\n`),
    onWarning: (text) => process.stderr.write(`queue-lab: ${text}\n`),
  });
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ queue: options.name, receiver: options.clientName, ...summary })}\n`
      : `${formatSummary(summary, color)}\n`,
  );
  return 0;
}

/** Runs the CLI with these arguments (no program name) and resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseOptions(argv, process.env);
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`queue-lab: ${parsed.message}\n\n${USAGE}`);
    return 2;
  }
  return run(parsed.options);
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
