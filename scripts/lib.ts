import { spawn } from "node:child_process";

/** Runs a command with inherited stdio; resolves with its exit code. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "inherit", env });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export async function step(
  title: string,
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  process.stderr.write(`\n=== ${title}\n`);
  const code = await run(cmd, args, env);
  if (code !== 0) {
    process.stderr.write(`\n=== ${title}: FAILED (exit ${code})\n`);
    process.exit(code);
  }
}
