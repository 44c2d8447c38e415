import { freePort } from "./free-port.ts";
import { LOCALSTACK_IMAGE } from "./infra.ts";
import { startProcess } from "./process.ts";
import { waitFor } from "./wait.ts";

export type EmulatorName = "fauxqs" | "moto" | "localstack";

/** An SNS/SQS/S3 endpoint that the real AWS SDK v3 clients talk to. */
export interface AwsEndpoint {
  name: EmulatorName;
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

const region = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** fauxqs in this process, on a free port. */
export async function startFauxqs(): Promise<AwsEndpoint> {
  const { startFauxqs: start } = await import("fauxqs");
  const server = await start({ port: 0, logger: false });
  return { name: "fauxqs", endpoint: server.address, region, credentials, stop: () => server.stop() };
}

/** moto server (Python) as a child process on a free port; resolves when it answers. */
export async function startMoto(): Promise<AwsEndpoint> {
  const port = await freePort();
  const proc = startProcess("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`moto exited: ${proc.output()}`);
        return (await fetch(`${endpoint}/moto-api/`)).ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "moto server" },
    );
  } catch (err) {
    await proc.stop("SIGKILL");
    throw err;
  }
  return { name: "moto", endpoint, region, credentials, stop: () => proc.stop() };
}

/** LocalStack through Testcontainers: only where a Docker engine and a registry are reachable. */
export async function startLocalStack(): Promise<AwsEndpoint> {
  const { LocalstackContainer } = await import("@testcontainers/localstack");
  const token = process.env.LOCALSTACK_AUTH_TOKEN;
  const container = await new LocalstackContainer(LOCALSTACK_IMAGE)
    .withEnvironment({ SERVICES: "sns,sqs,s3", ...(token && { LOCALSTACK_AUTH_TOKEN: token }) })
    .start();
  return {
    name: "localstack",
    endpoint: container.getConnectionUri(),
    region,
    credentials,
    stop: async () => void (await container.stop()),
  };
}

/**
 * The emulators an integration suite runs against in this test run: fauxqs always (started per test file,
 * in-process), plus the shared moto / LocalStack endpoints the global setup started.
 */
export function awsEmulators(env: NodeJS.ProcessEnv = process.env): Array<{
  name: EmulatorName;
  start(): Promise<AwsEndpoint>;
}> {
  const shared = (name: EmulatorName, endpoint: string) => ({
    name,
    start: async (): Promise<AwsEndpoint> => ({ name, endpoint, region, credentials, stop: async () => {} }),
  });
  const list: Array<{ name: EmulatorName; start(): Promise<AwsEndpoint> }> = [
    { name: "fauxqs", start: startFauxqs },
  ];
  if (env.TASKOVERFLOW_TEST_MOTO_ENDPOINT) list.push(shared("moto", env.TASKOVERFLOW_TEST_MOTO_ENDPOINT));
  if (env.TASKOVERFLOW_TEST_LOCALSTACK_ENDPOINT) {
    list.push(shared("localstack", env.TASKOVERFLOW_TEST_LOCALSTACK_ENDPOINT));
  }
  return list;
}

/** A short random suffix so tests sharing one emulator never share a queue, topic or bucket. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}
