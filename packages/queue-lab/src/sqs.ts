import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";
import { isFifo } from "./options.ts";

export interface Connection {
  endpoint: string | undefined;
  region: string | undefined;
  /** Only for tests and embedded use; the CLI leaves credentials to the SDK's default chain. */
  credentials?: SQSClientConfig["credentials"];
}

export const FALLBACK_REGION = "us-east-1";

/**
 * The region when no flag or environment variable gave one: the SDK's own lookup (the shared AWS config
 * file and profile), else us-east-1.
 */
async function defaultRegion(): Promise<string> {
  const probe = new SQSClient({});
  try {
    return await probe.config.region();
  } catch {
    return FALLBACK_REGION;
  } finally {
    probe.destroy();
  }
}

/** An SQS client; an explicit endpoint and region are passed on, so they win over the SDK's own lookup. */
export async function createSqsClient(
  connection: Connection,
): Promise<{ client: SQSClient; region: string }> {
  const region = connection.region ?? (await defaultRegion());
  const config: SQSClientConfig = { region };
  if (connection.endpoint !== undefined) config.endpoint = connection.endpoint;
  if (connection.credentials !== undefined) config.credentials = connection.credentials;
  return { client: new SQSClient(config), region };
}

/** A queue that is not there; the CLI prints it as one line. */
export class QueueMissingError extends Error {
  override name = "QueueMissingError";
  readonly code = "QUEUE_MISSING";
  readonly queueName: string;
  constructor(queueName: string) {
    super(`queue "${queueName}" does not exist`);
    this.queueName = queueName;
  }
}

/** The queue's URL; with `create`, makes the queue first when missing (FIFO + content-based dedup for .fifo). */
export async function resolveQueueUrl(client: SQSClient, name: string, create: boolean): Promise<string> {
  try {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (QueueUrl) return QueueUrl;
  } catch (err) {
    if (!(err instanceof QueueDoesNotExist)) throw err;
  }
  if (!create) throw new QueueMissingError(name);
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: isFifo(name) ? { FifoQueue: "true", ContentBasedDeduplication: "true" } : {},
    }),
  );
  if (!QueueUrl) throw new Error(`CreateQueue for "${name}" returned no queue URL`);
  return QueueUrl;
}

/** A one-line explanation of a failure, naming where the CLI was talking to. */
export function describeError(err: unknown, where: { endpoint: string | undefined; region: string }): string {
  const at = `${where.endpoint ?? "AWS"} (region ${where.region})`;
  if (err instanceof QueueMissingError) {
    return `${err.message} at ${at}; create it with --create or with terraform/queue-lab`;
  }
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as { code?: unknown }).code;
  const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
  if (code === "ECONNREFUSED" || causeCode === "ECONNREFUSED" || code === "ENOTFOUND") {
    return `cannot reach SQS at ${at}: ${String(code ?? causeCode)}`;
  }
  if (error.name === "CredentialsProviderError") {
    return `no AWS credentials for SQS at ${at}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for an emulator) or AWS_PROFILE`;
  }
  const firstLine = (error.message || error.name).split("\n")[0];
  return `${error.name === "Error" ? "" : `${error.name}: `}${firstLine} (SQS at ${at})`;
}
