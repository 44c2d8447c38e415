import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { AwsEndpoint } from "./aws.ts";

/** SNS, SQS and S3 clients pointed at an emulator endpoint (S3 by path, as emulators serve buckets). */
export interface EndpointClients {
  sns: SNSClient;
  sqs: SQSClient;
  s3: S3Client;
  destroy(): void;
}

/** `maxAttempts: 1` where a test wants the SDK's own retries out of the way (broker down and back). */
export function clientsFor(
  aws: Pick<AwsEndpoint, "endpoint" | "region" | "credentials">,
  options: { maxAttempts?: number } = {},
): EndpointClients {
  const config = { endpoint: aws.endpoint, region: aws.region, credentials: aws.credentials, ...options };
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  return {
    sns,
    sqs,
    s3,
    destroy() {
      for (const client of [sns, sqs, s3]) client.destroy();
    },
  };
}
