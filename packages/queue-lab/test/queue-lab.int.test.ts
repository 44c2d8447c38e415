// The queue lab CLI as a user meets it: flags and help, a message without attributes, the summary on Ctrl-C, a
// missing queue, and where the endpoint comes from.
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it, jest } from "@jest/globals";
import { awsEmulators, startProcess, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { cli, cliEnv, lastJson, rootScript, runCli, runScript, useLabEmulator } from "./cli.fixture.ts";

// Each case starts several Node processes; on a loaded 2-core runner one start can take seconds.
jest.setTimeout(120_000);

describe("queue-lab flags", () => {
  it("gives usage help and exit code 2 for bad flags", async () => {
    for (const args of [
      ["--bogus"],
      ["--name", "q"],
      ["--name", "q", "--client-name", "c", "--count", "many"],
    ]) {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^queue-lab: .+\n\nUsage: queue-lab --name QUEUE/);
      expect(run.stdout).toBe("");
    }
  });

  it("prints the help on --help, also through the root script behind npm run queue", async () => {
    for (const script of [cli, rootScript]) {
      const run = await runScript(script, ["--help"]);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toContain("--idle-exit SECONDS");
    }
  });
});

describe.each(awsEmulators())("queue-lab against $name", ({ start }) => {
  const lab = useLabEmulator(start);

  it("survives messages without the client attribute", async () => {
    const name = uniqueName("lab");
    const { QueueUrl } = await lab.createQueue(name);
    await lab.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hello" }));
    await lab.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "Message 3" }));
    const got = await runCli(["--name", name, "--receive", "--count", "4", "--max-messages", "2", ...lab.at]);
    expect(got).toMatchObject({ code: 0, stderr: "" });
    expect(got.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] \(unknown\): hello$/m);
    expect(got.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] \(unknown\): Message 3$/m);
    expect(got.stdout).toContain(
      '  (unknown): 2 received, 0 out of order, 0 duplicates, 3 missing (0-2), 1 not "Message N"',
    );
  });

  it("prints the summary on Ctrl-C", async () => {
    const name = uniqueName("lab");
    expect(
      (await runCli(["--name", name, "--client-name", "A", "--count", "5", "--create", ...lab.at])).code,
    ).toBe(0);
    const receiver = startProcess(
      process.execPath,
      [cli, "--name", name, "--receive", "--count", "5", ...lab.at],
      {
        env: cliEnv(),
      },
    );
    try {
      await waitFor(() => (receiver.output().match(/A: Message \d/g) ?? []).length === 5, {
        what: "5 messages printed",
        timeoutMs: 60_000,
      });
      const exit = new Promise<number | null>((resolve) => receiver.child.once("exit", resolve));
      receiver.child.kill("SIGINT");
      expect(await exit).toBe(0);
      expect(receiver.output()).toContain(
        "Summary: 5 messages received from 1 sender\n  A: 5 received, 0 out of order, 0 duplicates, none missing",
      );
    } finally {
      await receiver.stop("SIGKILL");
    }
  });

  it("says in one line that a queue is missing, with a non-zero exit code", async () => {
    const name = uniqueName("missing");
    for (const mode of [["--client-name", "A"], ["--receive"]]) {
      const run = await runCli(["--name", name, ...mode, ...lab.at]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(
        `queue-lab: queue "${name}" does not exist at ${lab.aws.endpoint} (region ${lab.aws.region}); create it with --create or with terraform/queue-lab\n`,
      );
    }
  });

  it("takes the endpoint from AWS_ENDPOINT_URL_SQS, and an explicit --endpoint wins over it", async () => {
    const name = uniqueName("lab");
    await lab.createQueue(name);
    const fromEnv = await runCli(
      ["--name", name, "--client-name", "A", "--count", "1"],
      cliEnv({ AWS_ENDPOINT_URL_SQS: lab.aws.endpoint, AWS_REGION: lab.aws.region }),
    );
    expect(fromEnv).toMatchObject({ code: 0, stderr: "" });
    const flagWins = await runCli(
      ["--name", name, "--client-name", "A", "--count", "1", ...lab.at],
      cliEnv({ AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9", AWS_ENDPOINT_URL: "http://127.0.0.1:9" }),
    );
    expect(flagWins).toMatchObject({ code: 0, stderr: "" });
    const got = await runCli([
      "--name",
      name,
      "--receive",
      "--count",
      "1",
      "--max-messages",
      "2",
      "--json",
      ...lab.at,
    ]);
    expect(lastJson(got).senders).toMatchObject([{ client: "A", received: 2, duplicates: 1 }]);
  });
});
