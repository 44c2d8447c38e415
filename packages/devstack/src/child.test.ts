import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "@jest/globals";
import { freePort, waitHealthy } from "./child.ts";

const platform = fileURLToPath(new URL("../../platform/src/index.ts", import.meta.url));

/**
 * A process run like a service (`runService`, an IPC channel as the devstack gives it) that binds `port` after
 * `delayMs` (a real service migrates first) and answers the health route.
 */
function fakeService(port: number, delayMs: number): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { createLogger, listen, runService } from ${JSON.stringify(platform)};
       await runService("fake", () => ({
         logger: createLogger({ service: "fake" }),
         start: async () => {
           await new Promise((r) => setTimeout(r, ${delayMs}));
           const server = await listen((_req, res) => res.end('{"status":"ok"}'), ${port});
           return { port: server.port };
         },
         stop: async () => {},
       }));`,
    ],
    { stdio: ["ignore", "pipe", "pipe", "ipc"] },
  );
  let out = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (d: Buffer) => {
      out += d;
    });
  }
  started.push(child);
  return { child, output: () => out };
}

const started: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const c of started.splice(0)) c.kill("SIGKILL");
  for (const s of servers.splice(0)) s.close();
});

/** Another stack's service: it holds the port and answers the health route. */
async function impostor(port: number): Promise<void> {
  const srv = createServer((_req, res) => res.end('{"status":"ok"}'));
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(port, "127.0.0.1", resolve));
}

describe("waitHealthy", () => {
  it("resolves once the process itself listens and answers", async () => {
    const port = await freePort();
    const { child, output } = fakeService(port, 300);
    await waitHealthy("fake", port, child, output);
    expect(child.exitCode).toBeNull();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(res.status).toBe(200);
  });

  it("does not take another process on the port for the service whose bind then fails", async () => {
    const port = await freePort();
    await impostor(port);
    const { child, output } = fakeService(port, 300);
    await expect(waitHealthy("fake", port, child, output)).rejects.toThrow(/fake exited during start-up/);
    expect(output()).toMatch(/EADDRINUSE/);
  });

  it("fails when the process says it listens on another port", async () => {
    const [port, other] = [await freePort(), await freePort()];
    await impostor(port);
    const { child, output } = fakeService(other, 0);
    await expect(waitHealthy("fake", port, child, output)).rejects.toThrow(
      new RegExp(`listens on ${other}, not on ${port}`),
    );
  });
});
