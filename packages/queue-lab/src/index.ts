export { main } from "./cli.ts";
export { logLine, messageBody, parseBody, UNKNOWN_CLIENT } from "./message.ts";
export { type LabOptions, type ParseResult, parseOptions, USAGE } from "./options.ts";
export { type ReceiveOptions, type ReceiveReport, receiveMessages } from "./receiver.ts";
export { type SendOptions, type SendReport, sendMessages } from "./sender.ts";
export {
  type Connection,
  createSqsClient,
  describeError,
  QueueMissingError,
  resolveQueueUrl,
} from "./sqs.ts";
export {
  createTally,
  type Delivery,
  formatRanges,
  formatSummary,
  type SenderSummary,
  type Summary,
} from "./summary.ts";
