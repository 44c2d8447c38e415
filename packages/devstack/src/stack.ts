import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { ensureTopology, type TopologyAddresses, type TopologyOptions } from "@taskoverflow/messaging";
import { allServices, defaultPorts, repoRoot, type ServiceName, serviceEntry } from "./services.ts";

export interface AwsTarget {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StackOptions {
  /** Which services to run; default: every service in the repo. */
  services?: ServiceName[];
  /** Fixed ports (npm start) or free ones picked per run (tests, benchmarks). */
  ports?: "default" | "random" | Partial<Record<ServiceName, number>>;
  /** Base folder for the embedded databases (each service gets `<dataDir>/<service>`); "memory" keeps nothing. */
  dataDir?: string;
  /** Real PostgreSQL per service; a service without one runs on PGlite. */
  databaseUrls?: Partial<Record<ServiceName, string>>;
  /** SNS/SQS/S3 endpoint; absent means fauxqs started in this process. */
  aws?: AwsTarget;
  /** Names and tuning of the topic and queues (tests on a shared emulator pass a unique prefix). */
  topology?: TopologyOptions;
  /** The S3 bucket for calendars; created when missing. */
  bucket?: string;
  /** Extra environment per service (tuning knobs in tests). */
  env?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  logLevel?: string;
  /** Receives every log line of every service. */
  onLine?: (service: ServiceName, line: string) => void;
  /** Gateway bind address; 127.0.0.1 by default. */
  host?: string;
}

export interface Stack {
  gatewayUrl: string;
  urls: Record<ServiceName, string>;
  aws: AwsTarget;
  topology: TopologyAddresses;
  bucket: string;
  services: ServiceName[];
  /** Everything a service (or a replica, by the key `startReplica` returned) has logged so far (JSON lines). */
  logs(key: ServiceName | string): string;
  /** Kills one service or replica (SIGKILL by default: a crash), waiting until it has exited. */
  kill(key: ServiceName | string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts another process of a service with the same configuration (e.g. a second calendar consumer). */
  startReplica(name: ServiceName): Promise<string>;
  /** Starts a stopped service again with the same configuration and waits until it is healthy. */
  restart(name: ServiceName): Promise<void>;
  /** Stops every service gracefully (SIGTERM), then the in-process emulator. */
  stop(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts the system as separate processes, on embedded or real infrastructure, and waits until it is healthy. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const services = (options.services ?? allServices).filter((s) => existsSync(serviceEntry(s)));
  const ports = await choosePorts(services, options.ports ?? "default");
  const urls = Object.fromEntries(services.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<
    ServiceName,
    string
  >;
  const emulator = options.aws ? undefined : await startEmbeddedAws();
  const aws = options.aws ?? (emulator as EmbeddedAws).target;
  const bucket = options.bucket ?? "taskoverflow-calendars";
  let topology: TopologyAddresses;
  try {
    topology = await provisionAws(aws, options.topology ?? {}, bucket);
  } catch (err) {
    await emulator?.stop();
    throw err;
  }
  const dataDir = options.dataDir ?? join(repoRoot, ".data");
  const logs = new Map<string, string[]>();
  const running = new Map<string, Running>();

  const envFor = (name: ServiceName, port: number): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: process.env.NODE_ENV ?? "development",
    PORT: String(port),
    HOST: name === "gateway" ? (options.host ?? "127.0.0.1") : "127.0.0.1",
    LOG_LEVEL: options.logLevel ?? "info",
    DATA_DIR: dataDir === "memory" ? "memory" : resolve(dataDir, name),
    ...(options.databaseUrls?.[name] && { DATABASE_URL: options.databaseUrls[name] }),
    TODO_SERVICE_URL: urls.todo,
    JOB_STATUS_SERVICE_URL: urls["job-status"],
    CALENDAR_SERVICE_URL: urls.calendar,
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_REGION: aws.region,
    AWS_ACCESS_KEY_ID: aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
    TOPIC_ARN: topology.topicArn,
    CALENDAR_BUCKET: bucket,
    TOPOLOGY_PREFIX: options.topology?.prefix ?? "taskoverflow-",
    CALENDAR_QUEUE_URL: topology.queues.calendar.url,
    JOB_STATUS_QUEUE_URL: topology.queues["job-status"].url,
    ...options.env?.[name],
  });

  /** Starts one process of a service; `key` tells replicas apart ("calendar", "calendar#2"). */
  const launch = async (name: ServiceName, key: string = name, port: number = ports[name]) => {
    const child = spawn(process.execPath, [serviceEntry(name)], {
      cwd: repoRoot,
      env: envFor(name, port),
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: Ctrl-C in a terminal reaches only us, and we stop the services in order.
      detached: true,
    });
    killOnExit.add(child);
    child.once("exit", () => killOnExit.delete(child));
    const kept = logs.get(key) ?? [];
    logs.set(key, kept);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        kept.push(line);
        if (kept.length > 20_000) kept.splice(0, 5_000);
        options.onLine?.(name, line);
      });
    }
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    running.set(key, { child, exited });
    await waitHealthy(key, `http://127.0.0.1:${port}`, child, () => kept.join("\n"));
  };

  const stopOne = async (key: string, signal: NodeJS.Signals) => {
    const r = running.get(key);
    if (!r) return;
    running.delete(key);
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill(signal);
      const force = setTimeout(() => r.child.kill("SIGKILL"), 10_000);
      await r.exited;
      clearTimeout(force);
    }
  };

  const stop = async () => {
    // The gateway first, so no request arrives at a service that is going away; replicas before their service.
    for (const key of [...running.keys()].reverse()) await stopOne(key, "SIGTERM");
    await emulator?.stop();
  };

  try {
    // The backends start together; the gateway only once they are healthy.
    const started = await Promise.allSettled(
      services.filter((s) => s !== "gateway").map((name) => launch(name)),
    );
    const failed = started.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    if (services.includes("gateway")) await launch("gateway");
  } catch (err) {
    await stop();
    throw err;
  }

  let replicas = 0;
  return {
    gatewayUrl: urls.gateway,
    urls,
    aws,
    topology,
    bucket,
    services,
    logs: (key) => (logs.get(key) ?? []).join("\n"),
    kill: (key, signal = "SIGKILL") => stopOne(key, signal),
    restart: async (name) => {
      await stopOne(name, "SIGTERM");
      await launch(name);
    },
    startReplica: async (name) => {
      const key = `${name}#${++replicas + 1}`;
      await launch(name, key, await freePort());
      return key;
    },
    stop,
  };
}

/** Children still running when this process exits (even abnormally) are killed rather than orphaned. */
const killOnExit = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of killOnExit) child.kill("SIGKILL");
});

/** The topic, queues, DLQs and subscriptions from the one topology definition, and the calendar bucket. */
async function provisionAws(
  aws: AwsTarget,
  options: TopologyOptions,
  bucket: string,
): Promise<TopologyAddresses> {
  const client = {
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
  };
  const sns = new SNSClient(client);
  const sqs = new SQSClient(client);
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  try {
    const addresses = await ensureTopology({ sns, sqs }, options);
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
      if (err.name !== "BucketAlreadyOwnedByYou" && err.name !== "BucketAlreadyExists") throw err;
    });
    return addresses;
  } finally {
    sns.destroy();
    sqs.destroy();
    s3.destroy();
  }
}

interface EmbeddedAws {
  target: AwsTarget;
  stop(): Promise<void>;
}

/** fauxqs in this process: the services reach it over HTTP through the real AWS SDK. */
async function startEmbeddedAws(): Promise<EmbeddedAws> {
  const { startFauxqs } = await import("fauxqs");
  const server = await startFauxqs({ port: 0, logger: false });
  return {
    target: { endpoint: server.address, region: "us-east-1", accessKeyId: "test", secretAccessKey: "test" },
    stop: () => server.stop(),
  };
}

async function choosePorts(
  services: ServiceName[],
  choice: NonNullable<StackOptions["ports"]>,
): Promise<Record<ServiceName, number>> {
  const ports = { ...defaultPorts };
  for (const s of services) {
    if (choice === "random") ports[s] = await freePort();
    else if (choice !== "default" && choice[s] !== undefined) ports[s] = choice[s];
  }
  return ports;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitHealthy(name: string, url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start-up (code ${child.exitCode}):\n${output().slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not become healthy at ${url} within 60 s:\n${output().slice(-4000)}`);
}
