import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Logger } from "@taskoverflow/platform";
import { backoffDelay } from "./backoff.ts";
import { createDeleter } from "./sqs.deleter.ts";
import { createMessageHandling } from "./sqs.message.ts";
import type { QueueSettings, SqsConsumer, SqsConsumerOptions } from "./sqs.types.ts";

export type {
  EventHandler,
  HandlerOutcome,
  MessageContext,
  SqsConsumer,
  SqsConsumerOptions,
} from "./sqs.types.ts";

/**
 * An SQS consumer for domain events. At least once in, effectively once out when the handler uses
 * `processOnce`. This file is the poll loop (long polling, bounded concurrency, start and stop); what happens
 * to one message is sqs.message.ts, its visibility sqs.visibility.ts, the batched deletes sqs.deleter.ts.
 */
export function createSqsConsumer(options: SqsConsumerOptions): SqsConsumer {
  const { sqs, queueUrl, log, concurrency = 10, waitTimeSeconds = 20, gatherMs = 20 } = options;
  const receivers = Math.max(1, Math.min(options.receivers ?? Math.ceil(concurrency / 10), concurrency));
  const settings: QueueSettings = {
    queueUrl,
    visibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
    maxReceiveCount: options.maxReceiveCount ?? Number.POSITIVE_INFINITY,
    dlqUrl: options.dlqUrl,
  };
  let running = false;
  let loops: Promise<void>[] = [];
  /** Slots that receives in flight have asked for: the loops together never ask for more than are free. */
  let reserved = 0;
  let abort = new AbortController();
  const inflight = new Set<Promise<void>>();
  /** Receives in flight, each settled once its messages are in flight (or it failed). */
  const receiving = new Set<Promise<void>>();
  /** Reserves `n` slots for one receive; the function it returns gives them back (call it once). */
  const reserve = (n: number) => {
    reserved += n;
    let release = () => {};
    const settled = new Promise<void>((resolve) => {
      release = () => {
        reserved -= n;
        receiving.delete(settled);
        resolve();
      };
    });
    receiving.add(settled);
    return release;
  };
  const deletes = createDeleter(sqs, queueUrl, log);
  const track = (work: Promise<void>) => {
    const p: Promise<void> = work.finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const handling = createMessageHandling({
    sqs,
    settings,
    handler: options.handler,
    log,
    deletes,
    retryBaseSeconds: options.retryBaseSeconds ?? 2,
    retryMaxSeconds: options.retryMaxSeconds ?? 300,
    onExhausted: options.onExhausted,
    isRunning: () => running,
    track,
  });

  async function receiveLoop(): Promise<void> {
    const receive = receiver(sqs, abort.signal);
    let failures = 0;
    while (running) {
      const free = concurrency - inflight.size - reserved;
      if (free <= 0) {
        // Every slot is busy or asked for by another loop's receive: wait for a handler or for that receive.
        await Promise.race([...inflight, ...receiving]);
        continue;
      }
      const asked = Math.min(10, free);
      const release = reserve(asked);
      let messages: Message[];
      try {
        const got = await receive({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: asked,
          WaitTimeSeconds: waitTimeSeconds,
          VisibilityTimeout: settings.visibilityTimeout,
          // The receive count is the one system attribute handling reads (every other one is bytes to parse
          // per message); the message attributes go along to the dead-letter queue with an invalid message.
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          MessageAttributeNames: ["All"],
        });
        messages = got.Messages ?? [];
        failures = 0;
      } catch (err) {
        release();
        if (!running) return;
        failures += 1;
        const delay = backoffDelay(failures, { baseMs: 200, maxMs: 10_000 });
        log.warn({ err, queueUrl, retryInMs: delay }, "receive failed; retrying");
        await sleep(delay, abort.signal);
        continue;
      }
      for (const m of messages) {
        track(
          handling
            .handle(m)
            .catch((err: unknown) => log.error({ err, messageId: m.MessageId }, "message handling crashed")),
        );
      }
      // The received messages hold their slots now (in flight); what was asked for and not given is free.
      release();
      // A partial receive of a stream (two or more): the queue is drained faster than it fills; let the next
      // receive gather more. A lone message is quiet traffic (a calendar job's next step comes a few ms
      // later): waiting then would only delay that step.
      if (gatherMs > 0 && messages.length > 1 && messages.length < asked) await sleep(gatherMs, abort.signal);
    }
  }

  return {
    async start() {
      if (running) return;
      await readQueueSettings(sqs, options, settings, log);
      running = true;
      abort = new AbortController();
      loops = Array.from({ length: receivers }, () => receiveLoop());
      const { visibilityTimeout, maxReceiveCount, dlqUrl } = settings;
      log.info(
        { queueUrl, concurrency, receivers, gatherMs, visibilityTimeout, maxReceiveCount, dlqUrl },
        "consumer started",
      );
    },
    async stop() {
      if (!running) return;
      running = false;
      // A receive cut short may have taken messages: they come back after the visibility timeout.
      abort.abort();
      handling.cancelParked();
      await Promise.all(loops);
      await Promise.all(inflight);
      await deletes.flush();
      log.info({ queueUrl }, "consumer stopped");
    },
  };
}

/**
 * ReceiveMessage through one handler per run, bound to the run's abort signal (the stop cuts a long poll
 * short). `send` resolves a command's middleware stack on every call unless the client caches it
 * (`cacheMiddleware`, aws.clients.ts), and it caches only calls without options, which an abort signal is
 * (such a call also drops the client's cache): this resolves it once, as the cache would, signal included.
 */
function receiver(sqs: SQSClient, abortSignal: AbortSignal) {
  let handler: ReturnType<ReceiveMessageCommand["resolveMiddleware"]> | undefined;
  return async (input: ReceiveMessageCommandInput): Promise<ReceiveMessageCommandOutput> => {
    const command = new ReceiveMessageCommand(input);
    handler ??= command.resolveMiddleware(sqs.middlewareStack, sqs.config, { abortSignal });
    return (await handler(command)).output;
  };
}

/** Fills in what the options left open from the queue's VisibilityTimeout and RedrivePolicy. */
async function readQueueSettings(
  sqs: SQSClient,
  options: SqsConsumerOptions,
  settings: QueueSettings,
  log: Logger,
): Promise<void> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: settings.queueUrl,
      AttributeNames: ["VisibilityTimeout", "RedrivePolicy"],
    }),
  );
  if (options.visibilityTimeoutSeconds === undefined && a.VisibilityTimeout) {
    settings.visibilityTimeout = Number(a.VisibilityTimeout);
  }
  if (!a.RedrivePolicy) {
    log.warn(
      { queueUrl: settings.queueUrl },
      "queue has no redrive policy: failing messages are retried until they expire",
    );
    return;
  }
  const redrive = JSON.parse(a.RedrivePolicy) as {
    deadLetterTargetArn: string;
    maxReceiveCount: string | number;
  };
  if (options.maxReceiveCount === undefined) settings.maxReceiveCount = Number(redrive.maxReceiveCount);
  if (settings.dlqUrl === undefined) {
    const [, , , , account, name] = redrive.deadLetterTargetArn.split(":");
    const got = await sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    settings.dlqUrl = got.QueueUrl;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // The listener goes with the timer: the gathering wait runs once a receive, on the consumer's one signal.
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
