// Runs a command to its end and answers what it printed (stdout and stderr together); a non-zero exit is an error
// that carries the output. For the load generator and the peer's start script.
import { spawn } from "node:child_process";

export function runForOutput(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; what?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    const add = (b: Buffer) => {
      text += b.toString();
    };
    child.stdout.on("data", add);
    child.stderr.on("data", add);
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve(text)
        : reject(new Error(`${options.what ?? command} exited with ${code}:\n${text}`)),
    );
  });
}
