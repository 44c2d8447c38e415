// fauxqs in a process of its own, as a broker is in production: the benchmark's producer and consumer then do
// not share one event loop with the emulator's HTTP handling.
import { type AwsEndpoint, freePort, startProcess, waitFor } from "@taskoverflow/test-harness";

const script = `import { startFauxqs } from "fauxqs";
const server = await startFauxqs({ port: Number(process.env.FAUXQS_PORT), logger: false });
process.stdout.write("ready " + server.address + "\\n");`;

export async function startFauxqsProcess(): Promise<AwsEndpoint & { pid: number | undefined }> {
  const port = await freePort();
  const proc = startProcess(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, FAUXQS_PORT: String(port) },
    cwd: new URL("../../packages/test-harness/", import.meta.url).pathname,
  });
  await waitFor(() => proc.output().includes("ready") || proc.child.exitCode !== null, {
    timeoutMs: 30_000,
    what: "fauxqs to start",
  });
  if (proc.child.exitCode !== null) throw new Error(`fauxqs exited: ${proc.output()}`);
  const endpoint = /ready (\S+)/.exec(proc.output())?.[1] ?? `http://127.0.0.1:${port}`;
  return {
    name: "fauxqs",
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    pid: proc.child.pid,
    stop: () => proc.stop(),
  };
}
