import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { AwsSettings } from "@taskoverflow/platform";

/** Clients a caller already has (tests pass ones pointed at an emulator with credentials). */
export interface GivenAwsClients {
  sns?: SNSClient;
  sqs?: SQSClient;
  s3?: S3Client;
}

/** SNS, SQS and S3 clients for one service, each made on first use unless given. */
export interface AwsClients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  /** Destroys the clients made here (never the given ones); a later use makes fresh ones. */
  destroy(): void;
}

export function awsClients(aws: AwsSettings, given: GivenAwsClients = {}): AwsClients {
  const options = { region: aws.region, ...(aws.endpoint !== undefined && { endpoint: aws.endpoint }) };
  let made: GivenAwsClients = {};
  return {
    get sns() {
      if (given.sns) return given.sns;
      made.sns ??= new SNSClient(options);
      return made.sns;
    },
    get sqs() {
      if (given.sqs) return given.sqs;
      // No MD5 check of every received body and sent message in JavaScript (about 2 % of a consumer's CPU):
      // TLS already guards the bytes in transit, and the consumer validates each body against the contracts.
      // cacheMiddleware: each command's middleware stack is resolved once, not on every call (the consumer
      // makes its receives without call options so that the cache holds: sqs.consumer.ts `receiver`).
      made.sqs ??= new SQSClient({ ...options, md5: false, cacheMiddleware: true });
      return made.sqs;
    },
    get s3() {
      if (given.s3) return given.s3;
      // Emulators serve buckets by path, not by virtual host.
      made.s3 ??= new S3Client({ ...options, forcePathStyle: aws.endpoint !== undefined });
      return made.s3;
    },
    destroy() {
      const { sns, sqs, s3 } = made;
      made = {};
      for (const client of [sns, sqs, s3]) client?.destroy();
    },
  };
}
