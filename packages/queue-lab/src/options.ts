import { parseArgs } from "node:util";

/** What one run of the lab CLI does, after the flags and the environment are read. */
export interface LabOptions {
  mode: "send" | "receive";
  /** Queue name; a `.fifo` suffix makes it a FIFO queue. */
  name: string;
  /** The `client` attribute the sender puts on each message; the receiver's own label. */
  clientName: string;
  /** Text put before each body, so a re-run is not deduplicated by a FIFO queue. */
  prepend: string;
  /** Messages each sender sends; on the receiver, how many each sender is expected to have sent. */
  count: number;
  /** SQS endpoint override; undefined lets the SDK use AWS itself. */
  endpoint: string | undefined;
  /** undefined: the SDK's own lookup (shared config file), then us-east-1. */
  region: string | undefined;
  create: boolean;
  maxMessages: number | undefined;
  idleExitSeconds: number | undefined;
  json: boolean;
}

export type ParseResult =
  | { kind: "help" }
  | { kind: "run"; options: LabOptions }
  | { kind: "error"; message: string };

export const USAGE = `Usage: queue-lab --name QUEUE --client-name NAME [--send | --receive] [options]

Send numbered messages to an SQS queue, or receive them and measure order, duplicates and losses.

  --name QUEUE          queue name; a name ending in .fifo is a FIFO queue (required)
  --client-name NAME    the sender's name, put on each message as the "client" attribute
                        (required with --send; a label for the receiver)
  --send                send --count messages "{prepend}Message {i}", i = 0..count-1 (default)
  --receive             receive, print and delete messages until Ctrl-C, then print a summary
  --prepend TEXT        put TEXT before each message body (defeats FIFO deduplication on a re-run)
  --count N             messages per sender (default 100); the receiver expects this many per sender
  --create              create the queue when it does not exist (FIFO with content-based deduplication
                        when the name ends in .fifo)
  --endpoint URL        SQS endpoint (default: AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, else AWS itself)
  --region REGION       AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the AWS config file, us-east-1)
  --max-messages N      receiver: stop after N messages
  --idle-exit SECONDS   receiver: stop after SECONDS without a message
  --json                print the final report as one line of JSON
  -h, --help            show this help

Examples:
  queue-lab --name csse6400_prac.fifo --client-name "Client 1" --create
  queue-lab --name csse6400_prac.fifo --client-name "Client 1" --prepend "again "
  queue-lab --name csse6400_prac.fifo --receive
`;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$|^[A-Za-z0-9_-]{1,80}$/;

function positiveInteger(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`${flag} must be a positive whole number (got "${raw}")`);
  }
  return Number(raw);
}

function positiveNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive number of seconds (got "${raw}")`);
  }
  return value;
}

class UsageError extends Error {
  override name = "UsageError";
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === "" ? undefined : value;

/**
 * Reads the flags (node:util parseArgs, strict) and the standard AWS environment variables.
 * Explicit flags win over the environment. Never throws: bad input comes back as `{ kind: "error" }`.
 */
export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>): ParseResult {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        name: { type: "string" },
        "client-name": { type: "string" },
        send: { type: "boolean" },
        receive: { type: "boolean" },
        prepend: { type: "string" },
        count: { type: "string" },
        create: { type: "boolean" },
        endpoint: { type: "string" },
        region: { type: "string" },
        "max-messages": { type: "string" },
        "idle-exit": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) return { kind: "help" };
    if (values.send && values.receive) throw new UsageError("choose one of --send and --receive");
    const mode = values.receive ? "receive" : "send";
    const name = values.name;
    if (name === undefined || name === "") throw new UsageError("--name is required");
    if (!QUEUE_NAME.test(name)) {
      throw new UsageError(
        `--name "${name}" is not a valid queue name (up to 80 letters, digits, - and _, optionally ending in .fifo)`,
      );
    }
    const clientName = values["client-name"];
    if (mode === "send" && (clientName === undefined || clientName === "")) {
      throw new UsageError("--client-name is required when sending");
    }
    if (mode === "send") {
      for (const flag of ["max-messages", "idle-exit"] as const) {
        if (values[flag] !== undefined) throw new UsageError(`--${flag} only applies to --receive`);
      }
    }
    const endpoint =
      nonEmpty(values.endpoint) ?? nonEmpty(env.AWS_ENDPOINT_URL_SQS) ?? nonEmpty(env.AWS_ENDPOINT_URL);
    if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
      throw new UsageError(`the endpoint must be an http(s) URL (got "${endpoint}")`);
    }
    return {
      kind: "run",
      options: {
        mode,
        name,
        clientName: clientName || "receiver",
        prepend: values.prepend ?? "",
        count: values.count === undefined ? 100 : positiveInteger("--count", values.count),
        endpoint,
        region: nonEmpty(values.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
        create: values.create ?? false,
        maxMessages:
          values["max-messages"] === undefined
            ? undefined
            : positiveInteger("--max-messages", values["max-messages"]),
        idleExitSeconds:
          values["idle-exit"] === undefined ? undefined : positiveNumber("--idle-exit", values["idle-exit"]),
        json: values.json ?? false,
      },
    };
  } catch (err) {
    if (err instanceof UsageError) return { kind: "error", message: err.message };
    // parseArgs reports unknown flags and missing values with an ERR_PARSE_ARGS_* code. Checked by code, not
    // by class: the TypeError comes from Node's own realm, which differs from a test runner's VM context.
    const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_") && typeof message === "string") {
      return { kind: "error", message };
    }
    throw err;
  }
}

export const isFifo = (queueName: string): boolean => queueName.endsWith(".fifo");
