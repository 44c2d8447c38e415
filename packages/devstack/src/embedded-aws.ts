import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { ensureTopology, type TopologyAddresses, type TopologyOptions } from "@taskoverflow/messaging";

export interface AwsTarget {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The topic, queues, DLQs and subscriptions from the one topology definition, and the calendar bucket. */
export async function provisionAws(
  aws: AwsTarget,
  options: TopologyOptions,
  bucket: string,
): Promise<TopologyAddresses> {
  const client = {
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
  };
  const sns = new SNSClient(client);
  const sqs = new SQSClient(client);
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  try {
    const addresses = await ensureTopology({ sns, sqs }, options);
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
      if (err.name !== "BucketAlreadyOwnedByYou" && err.name !== "BucketAlreadyExists") throw err;
    });
    return addresses;
  } finally {
    sns.destroy();
    sqs.destroy();
    s3.destroy();
  }
}

export interface EmbeddedAws {
  target: AwsTarget;
  stop(): Promise<void>;
}

/** fauxqs in this process: the services reach it over HTTP through the real AWS SDK. */
export async function startEmbeddedAws(): Promise<EmbeddedAws> {
  const { startFauxqs } = await import("fauxqs");
  const server = await startFauxqs({ port: 0, logger: false });
  return {
    target: { endpoint: server.address, region: "us-east-1", accessKeyId: "test", secretAccessKey: "test" },
    stop: () => server.stop(),
  };
}
