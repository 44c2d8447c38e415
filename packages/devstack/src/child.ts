import type { ChildProcess } from "node:child_process";
import { HEALTH_PATH, type ListeningMessage } from "@taskoverflow/platform";

/** Children still running when this process exits (even abnormally) are killed rather than orphaned. */
export const killOnExit = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of killOnExit) child.kill("SIGKILL");
});

export { freePort } from "@taskoverflow/platform/net";

/**
 * Resolves once the process (spawned with an IPC channel) has said it listens on `port` and the service answers
 * its health route there; fails as soon as the process exits. A health answer alone is not enough: until our
 * process has bound the port, whatever else holds it answers, and a service whose bind failed would be taken
 * for healthy (another stack's service on a port both were given).
 */
export async function waitHealthy(name: string, port: number, child: ChildProcess, output: () => string) {
  const url = `http://127.0.0.1:${port}`;
  let listening = false;
  let saidOther: number | undefined;
  const onMessage = (message: unknown) => {
    const m = message as Partial<ListeningMessage> | null;
    if (m?.type !== "listening") return;
    if (m.port === port) listening = true;
    else saidOther = m.port;
  };
  child.on("message", onMessage);
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited during start-up (code ${child.exitCode}):\n${output().slice(-4000)}`);
      }
      if (saidOther !== undefined) throw new Error(`${name} listens on ${saidOther}, not on ${port}`);
      if (!listening) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      try {
        const res = await fetch(`${url}${HEALTH_PATH}`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return;
      } catch {
        // not answering yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name} did not become healthy at ${url} within 60 s:\n${output().slice(-4000)}`);
  } finally {
    child.off("message", onMessage);
  }
}
