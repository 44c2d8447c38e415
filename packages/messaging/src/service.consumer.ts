import type { Logger } from "@taskoverflow/platform";
import type { ConsumerConfig } from "./service.config.ts";
import { createSqsConsumer } from "./sqs.consumer.ts";
import type { SqsConsumer, SqsConsumerOptions } from "./sqs.types.ts";

/**
 * A service's consumer of its queue, started inside `serviceApp`'s build: it logs as the service logger's
 * `consumer` component, handles `config.concurrency` messages at once (CONSUMER_CONCURRENCY), waits
 * `config.gatherMs` after a partial receive (CONSUMER_GATHER_MS), and its stop is registered with `onStop`.
 * `options` are the rest (the queue, the handler, the tests' tuning).
 */
export async function startServiceConsumer(
  onStop: (release: () => unknown) => void,
  logger: Logger,
  config: Pick<ConsumerConfig, "concurrency" | "gatherMs">,
  options: Omit<SqsConsumerOptions, "log" | "concurrency">,
): Promise<SqsConsumer> {
  const consumer = createSqsConsumer({
    ...(config.gatherMs !== undefined && { gatherMs: config.gatherMs }),
    ...options,
    log: logger.child({ component: "consumer" }),
    concurrency: config.concurrency,
  });
  await consumer.start();
  onStop(() => consumer.stop());
  return consumer;
}
