import { describe, expect, it } from "@jest/globals";
import { describeError, QueueMissingError } from "./sqs.ts";

describe("describeError", () => {
  const where = { endpoint: "http://127.0.0.1:4566", region: "us-east-1" };

  it("explains a missing queue and how to make it", () => {
    expect(describeError(new QueueMissingError("csse6400_prac"), where)).toBe(
      'queue "csse6400_prac" does not exist at http://127.0.0.1:4566 (region us-east-1); create it with --create or with terraform/queue-lab',
    );
  });

  it("names an unreachable endpoint", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(describeError(refused, where)).toBe(
      "cannot reach SQS at http://127.0.0.1:4566 (region us-east-1): ECONNREFUSED",
    );
  });

  it("says how to give credentials", () => {
    const missing = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    expect(describeError(missing, { endpoint: undefined, region: "eu-west-1" })).toMatch(
      /^no AWS credentials for SQS at AWS \(region eu-west-1\): set AWS_ACCESS_KEY_ID/,
    );
  });

  it("keeps anything else to its first line", () => {
    const denied = Object.assign(new Error("Access to the resource is denied.\nmore detail"), {
      name: "AccessDenied",
    });
    expect(describeError(denied, where)).toBe(
      "AccessDenied: Access to the resource is denied. (SQS at http://127.0.0.1:4566 (region us-east-1))",
    );
  });
});
