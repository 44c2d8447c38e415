// Helpers of the infrastructure tier: run terraform and the aws CLI, keep their output.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { text } from "node:stream/consumers";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const awsModule = join(repoRoot, "terraform/aws");
export const tf = join(repoRoot, "terraform/tf.sh");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts on `code`). */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  const child = spawn(cmd, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, TF_IN_AUTOMATION: "1", NO_COLOR: "1", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end(options.input ?? "");
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? -1));
  });
  const [stdout, stderr, code] = await Promise.all([text(child.stdout), text(child.stderr), exited]);
  return { code, stdout, stderr };
}

/** Like run(), but a non-zero exit throws with the command's output, so a failure says what went wrong. */
export async function ok(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    const tail = (s: string) => s.slice(-6000);
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${r.code}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`,
    );
  }
  return r;
}

/** The aws CLI against an emulator, JSON out. */
export async function aws(endpoint: string, ...args: string[]): Promise<unknown> {
  const r = await ok(
    "aws",
    [...args, "--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"],
    {
      env: {
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    },
  );
  return r.stdout.trim() ? JSON.parse(r.stdout) : {};
}
