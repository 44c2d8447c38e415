import type { ChildProcess } from "node:child_process";
import { HEALTH_PATH } from "@taskoverflow/platform";

/** Children still running when this process exits (even abnormally) are killed rather than orphaned. */
export const killOnExit = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of killOnExit) child.kill("SIGKILL");
});

export { freePort } from "@taskoverflow/platform/net";

/** Resolves once the service answers its health route; fails as soon as the process exits. */
export async function waitHealthy(name: string, url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start-up (code ${child.exitCode}):\n${output().slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}${HEALTH_PATH}`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not become healthy at ${url} within 60 s:\n${output().slice(-4000)}`);
}
