import { describe, expect, it } from "@jest/globals";
import { type LabOptions, parseOptions } from "./options.ts";

const run = (argv: string[], env: Record<string, string | undefined> = {}): LabOptions => {
  const result = parseOptions(argv, env);
  if (result.kind !== "run") throw new Error(`expected options, got ${JSON.stringify(result)}`);
  return result.options;
};
const error = (argv: string[]): string => {
  const result = parseOptions(argv, {});
  if (result.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.message;
};

describe("parseOptions", () => {
  it("sends 100 messages by default, like the course's tool", () => {
    expect(run(["--name", "csse6400_prac", "--client-name", "Client 1"])).toEqual({
      mode: "send",
      name: "csse6400_prac",
      clientName: "Client 1",
      prepend: "",
      count: 100,
      endpoint: undefined,
      region: undefined,
      create: false,
      maxMessages: undefined,
      idleExitSeconds: undefined,
      json: false,
    });
  });

  it("reads the receiver's flags", () => {
    const options = run([
      "--receive",
      "--name=csse6400_prac.fifo",
      "--max-messages",
      "7",
      "--idle-exit",
      "2.5",
      "--count",
      "30",
      "--json",
    ]);
    expect(options).toMatchObject({
      mode: "receive",
      name: "csse6400_prac.fifo",
      clientName: "receiver",
      maxMessages: 7,
      idleExitSeconds: 2.5,
      count: 30,
      json: true,
    });
  });

  const sqsVariables = { AWS_ENDPOINT_URL_SQS: "http://sqs:2", AWS_REGION: "ap-southeast-2" };
  const genericVariables = { AWS_ENDPOINT_URL: "http://generic:1", AWS_DEFAULT_REGION: "eu-west-1" };
  const flags = ["--endpoint", "http://flag:3", "--region", "us-west-2"];
  it.each([
    [
      "SQS's and AWS_REGION first",
      [],
      { ...genericVariables, ...sqsVariables },
      "http://sqs:2",
      "ap-southeast-2",
    ],
    ["then the generic ones", [], genericVariables, "http://generic:1", "eu-west-1"],
    ["explicit flags win", flags, { ...genericVariables, ...sqsVariables }, "http://flag:3", "us-west-2"],
    ["an empty variable is none", [], { AWS_ENDPOINT_URL_SQS: "", AWS_REGION: "" }, undefined, undefined],
  ] as const)(
    "takes the endpoint and region from the standard AWS variables: %s",
    (_, extra, env, endpoint, region) => {
      const options = run(["--name", "q", "--client-name", "c", ...extra], env);
      expect([options.endpoint, options.region]).toEqual([endpoint, region]);
    },
  );

  it("answers --help", () => {
    expect(parseOptions(["--help"], {})).toEqual({ kind: "help" });
    expect(parseOptions(["-h"], {})).toEqual({ kind: "help" });
  });

  it.each([
    [["--name", "q", "--client-name", "c", "--bogus"], /Unknown option '--bogus'/],
    [["--client-name", "c"], /--name is required/],
    [["--name", "q"], /--client-name is required when sending/],
    [["--name", "q", "--client-name", "c", "--count", "abc"], /--count must be a positive whole number/],
    [["--name", "q", "--client-name", "c", "--count", "0"], /--count must be a positive whole number/],
    [["--name", "q", "--receive", "--idle-exit=-1"], /--idle-exit must be a positive number/],
    [["--name", "q", "--receive", "--idle-exit", "0"], /--idle-exit must be a positive number/],
    [["--name", "q", "--receive", "--max-messages", "1.5"], /--max-messages must be a positive whole number/],
    [["--name", "q", "--client-name", "c", "--idle-exit", "3"], /--idle-exit only applies to --receive/],
    [["--name", "q", "--send", "--receive"], /choose one of --send and --receive/],
    [["--name", "bad name!", "--receive"], /not a valid queue name/],
    [["--name", "q", "--receive", "--endpoint", "localhost:4566"], /must be an http\(s\) URL/],
    [["--name", "q", "--receive", "stray"], /Unexpected argument 'stray'/],
    [["--name"], /argument missing/],
  ])("rejects %j", (argv, message) => {
    expect(error(argv)).toMatch(message);
  });

  it("accepts the longest valid names", () => {
    expect(run(["--name", `${"a".repeat(75)}.fifo`, "--receive"]).name).toHaveLength(80);
    expect(error(["--name", `${"a".repeat(76)}.fifo`, "--receive"])).toMatch(/not a valid queue name/);
  });
});
