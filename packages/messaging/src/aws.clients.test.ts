import { Readable } from "node:stream";
import { SNSClient } from "@aws-sdk/client-sns";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "@jest/globals";
import { awsClients } from "./aws.clients.ts";

describe("awsClients", () => {
  it("makes each client once, on first use, and makes fresh ones after destroy", () => {
    const aws = awsClients({ region: "eu-west-1" });
    const sqs = aws.sqs;
    expect(aws.sqs).toBe(sqs);
    aws.destroy();
    expect(aws.sqs).not.toBe(sqs);
    aws.destroy();
  });

  it("returns given clients and leaves them alive on destroy", () => {
    const sns = new SNSClient({ region: "eu-west-1" });
    let destroyed = false;
    const destroy = sns.destroy.bind(sns);
    sns.destroy = () => {
      destroyed = true;
      destroy();
    };
    const aws = awsClients({ region: "eu-west-1" }, { sns });
    expect(aws.sns).toBe(sns);
    aws.destroy();
    expect(destroyed).toBe(false);
    sns.destroy();
  });

  it("uses the endpoint and path-style S3 only when an endpoint is set", async () => {
    const local = awsClients({ region: "eu-west-1", endpoint: "http://127.0.0.1:4566" });
    const real = awsClients({ region: "eu-west-1" });
    expect(await local.s3.config.region()).toBe("eu-west-1");
    expect(local.s3.config.forcePathStyle).toBe(true);
    expect((await local.sqs.config.endpoint?.())?.hostname).toBe("127.0.0.1");
    expect(real.s3.config.forcePathStyle).toBe(false);
    expect(real.sqs.config.endpoint).toBeUndefined();
    // Each SQS command's middleware stack is resolved once per client, not on every call.
    expect(local.sqs.config.cacheMiddleware).toBe(true);
    local.destroy();
    real.destroy();
  });

  it("makes an SQS client that does not check received bodies' MD5 (the consumer validates each body)", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = "test";
    process.env.AWS_SECRET_ACCESS_KEY = "test";
    const aws = awsClients({ region: "eu-west-1", endpoint: "http://127.0.0.1:9" });
    const body = JSON.stringify({
      Messages: [{ MessageId: "m-1", ReceiptHandle: "r-1", Body: "{}", MD5OfBody: "0".repeat(32) }],
    });
    // An answer from no server: the bytes a receive would get, with an MD5 that is not the body's.
    aws.sqs.config.requestHandler = {
      handle: async () => ({
        response: {
          statusCode: 200,
          reason: "OK",
          headers: { "content-type": "application/x-amz-json-1.0" },
          body: Readable.from([Buffer.from(body)]),
        },
      }),
      updateHttpClientConfig: () => {},
      httpHandlerConfigs: () => ({}),
    } as unknown as typeof aws.sqs.config.requestHandler;
    const got = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: "http://127.0.0.1:9/000000000000/q" }),
    );
    aws.destroy();
    for (const [k, v] of [
      ["AWS_ACCESS_KEY_ID", saved.id],
      ["AWS_SECRET_ACCESS_KEY", saved.secret],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    expect(got.Messages?.map((m) => m.Body)).toEqual(["{}"]);
  });
});
