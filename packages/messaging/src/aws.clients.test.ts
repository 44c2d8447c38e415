import { SNSClient } from "@aws-sdk/client-sns";
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
    local.destroy();
    real.destroy();
  });
});
