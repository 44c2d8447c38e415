import {
  DeleteMessageBatchCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import type { QueuePlan } from "@taskoverflow/messaging";
import { errorText, type Logger } from "@taskoverflow/platform";
import type { QueueAccess } from "./queue.sqs.ts";

export interface RedriveResult {
  mode: "move-task" | "copy";
  /** Messages moved by this call (copy mode); a move task reports progress in SQS, not here. */
  moved: number;
  taskHandle?: string;
}

const COPY_MAX_PER_CALL = 1_000;

/** Errors an endpoint answers for an action it does not implement (fauxqs, moto, older LocalStack). */
function isUnsupported(err: unknown): boolean {
  const e = err as {
    name?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
    message?: string;
  };
  const text = `${e.name ?? ""} ${e.Code ?? ""} ${e.message ?? ""}`;
  return (
    /InvalidAction|UnknownOperation|UnsupportedOperation|NotImplemented|not (yet )?(implemented|supported)|Unknown action|UnrecognizedClient|is not valid for this/i.test(
      text,
    ) ||
    e.$metadata?.httpStatusCode === 501 ||
    // An answer that is not an AWS error document at all (moto serves an HTML error page).
    e.name === "SyntaxError"
  );
}

/**
 * Redrive of a dead-letter queue back to its work queue: SQS's StartMessageMoveTask when the endpoint has it
 * (`redriveMode` auto; an endpoint that answers the call as unsupported switches to copy for good), otherwise by
 * receive, send and delete (`copy`).
 */
export function createRedrive({
  sqs,
  access,
  redriveMode,
  log,
}: {
  sqs: SQSClient;
  access: QueueAccess;
  redriveMode: "auto" | "copy";
  log: Logger;
}) {
  const { urlOf, attributes, release } = access;
  let moveTaskSupported = redriveMode === "auto";

  async function copyBack(q: QueuePlan): Promise<number> {
    const [source, dlq] = [await urlOf(q.name), await urlOf(q.dlqName)];
    // At most what the DLQ held when asked: a message that fails again at once and comes back is moved by the
    // next redrive, not in a loop by this one.
    const held = Number(
      (await attributes(q.dlqName, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages ?? 0,
    );
    const budget = Math.min(held, COPY_MAX_PER_CALL);
    let moved = 0;
    while (moved < budget) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq,
          MaxNumberOfMessages: Math.min(10, budget - moved),
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ["All"],
        }),
      );
      if (Messages.length === 0) break;
      // Sent first, deleted after: a crash in between leaves a copy in both, which the consumers' inboxes
      // make harmless. Never the other way round, which could lose a message.
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: source,
          Entries: Messages.map((m, n) => ({
            Id: String(n),
            MessageBody: m.Body ?? "",
            ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length > 0
              ? { MessageAttributes: m.MessageAttributes }
              : {}),
          })),
        }),
      );
      const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
      const done = Messages.filter((_, n) => ok.has(String(n)));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlq,
            Entries: done.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle as string })),
          }),
        );
      }
      const failed = Messages.filter((_, n) => !ok.has(String(n)));
      if (failed.length > 0) await release(dlq, failed);
      moved += done.length;
      if (done.length === 0) break;
    }
    return moved;
  }

  async function moveTask(q: QueuePlan): Promise<RedriveResult | undefined> {
    const [dlqArn, sourceArn] = await Promise.all([
      attributes(q.dlqName, ["QueueArn"]).then((a) => a.QueueArn),
      attributes(q.name, ["QueueArn"]).then((a) => a.QueueArn),
    ]);
    try {
      const started = await sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: sourceArn }),
      );
      return {
        mode: "move-task",
        moved: 0,
        ...(started.TaskHandle ? { taskHandle: started.TaskHandle } : {}),
      };
    } catch (err) {
      if (isUnsupported(err)) {
        log.info({ err: errorText(err) }, "endpoint has no StartMessageMoveTask: redrive by copy");
        moveTaskSupported = false;
        return undefined;
      }
      // One move task per queue at a time: a second redrive while one runs is the same request, answered alike.
      const running = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 1 }));
      const task = running.Results?.[0];
      if (task?.Status === "RUNNING") {
        return { mode: "move-task", moved: 0, ...(task.TaskHandle ? { taskHandle: task.TaskHandle } : {}) };
      }
      throw err;
    }
  }

  return {
    /** Moves a DLQ's messages back to its work queue; repeating it moves what is left (nothing, when empty). */
    async redrive(q: QueuePlan): Promise<RedriveResult> {
      if (moveTaskSupported) {
        const started = await moveTask(q);
        if (started) return started;
      }
      return { mode: "copy", moved: await copyBack(q) };
    },
  };
}
