import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { TopologyAddresses, TopologyOptions } from "@taskoverflow/messaging";
import { freePort, killOnExit, waitHealthy } from "./child.ts";
import { type AwsTarget, type EmbeddedAws, provisionAws, startEmbeddedAws } from "./embedded-aws.ts";
import { defaultOf, dependenciesOf, environmentFor, unreadVariables, urlVariable } from "./service-env.ts";
import { allServices, defaultPorts, repoRoot, type ServiceName, serviceEntry } from "./services.ts";

export type { AwsTarget } from "./embedded-aws.ts";

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
  /** Node.js flags per service (a benchmark gives a service the heap cap it has in production). */
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
  logLevel?: string;
  /** Receives every log line of every service. */
  onLine?: (service: ServiceName, line: string) => void;
  /** Gateway bind address; 127.0.0.1 by default. */
  host?: string;
  /** PUBLIC_URL of the services (the origin of task_url/result_url/Link); default: the gateway's URL. */
  publicUrl?: string;
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
  /** The operating-system process id of a running service (benchmarks read its memory in /proc). */
  pid(key: ServiceName | string): number | undefined;
  /** Kills one service or replica (SIGKILL by default: a crash), waiting until it has exited. */
  kill(key: ServiceName | string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts another process of a service with the same configuration (e.g. a second calendar consumer). */
  startReplica(name: ServiceName): Promise<string>;
  /** The URL a replica (by the key `startReplica` returned) listens on. */
  replicaUrl(key: string): string | undefined;
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
  const bucket = options.bucket ?? String(defaultOf("calendar", "CALENDAR_BUCKET"));
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

  // Everything the stack knows; each service is given the part its own config schema reads.
  const offered = (name: ServiceName, port: number): Record<string, string | undefined> => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: process.env.NODE_ENV ?? "development",
    AWS_ACCESS_KEY_ID: aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
    ...stackEnvironment({ urls, aws, topology, bucket, prefix: options.topology?.prefix }),
    PORT: String(port),
    HOST: name === "gateway" ? (options.host ?? "127.0.0.1") : "127.0.0.1",
    LOG_LEVEL: options.logLevel ?? "info",
    DATA_DIR: dataDir === "memory" ? "memory" : resolve(dataDir, name),
    DATABASE_URL: options.databaseUrls?.[name],
    ...((options.publicUrl ?? urls.gateway) && { PUBLIC_URL: options.publicUrl ?? urls.gateway }),
  });
  const envFor = (name: ServiceName, port: number) =>
    environmentFor(name, offered(name, port), options.env?.[name]);

  /** Starts one process of a service; `key` tells replicas apart ("calendar", "calendar#2"). */
  const launch = async (name: ServiceName, key: string = name, port: number = ports[name]) => {
    const child = spawn(process.execPath, [...(options.nodeArgs?.[name] ?? []), serviceEntry(name)], {
      cwd: repoRoot,
      env: envFor(name, port),
      // The IPC channel carries the service's "listening" message (waitHealthy); the service closes it then.
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Its own process group: Ctrl-C in a terminal reaches only us, and we stop the services in order.
      detached: true,
    });
    killOnExit.add(child);
    child.once("exit", () => killOnExit.delete(child));
    const kept = logs.get(key) ?? [];
    logs.set(key, kept);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue; // never: both are pipes
      createInterface({ input: stream }).on("line", (line) => {
        kept.push(line);
        if (kept.length > 20_000) kept.splice(0, 5_000);
        options.onLine?.(name, line);
      });
    }
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    running.set(key, { child, exited });
    await waitHealthy(key, port, child, () => kept.join("\n"));
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

  // Each service starts once the services it calls answer their health route (the calendar service reads the
  // todo service's snapshot at start-up); independent ones start together.
  const starting = new Map<ServiceName, Promise<void>>();
  const startInOrder = (name: ServiceName): Promise<void> => {
    let started = starting.get(name);
    if (!started) {
      started = Promise.all(dependenciesOf(name, services).map(startInOrder)).then(() => launch(name));
      starting.set(name, started);
    }
    return started;
  };
  const results = await Promise.allSettled(services.map(startInOrder));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }

  let replicas = 0;
  const replicaUrls = new Map<string, string>();
  return {
    gatewayUrl: urls.gateway,
    urls,
    aws,
    topology,
    bucket,
    services,
    logs: (key) => (logs.get(key) ?? []).join("\n"),
    pid: (key) => running.get(key)?.child.pid,
    kill: (key, signal = "SIGKILL") => stopOne(key, signal),
    restart: async (name) => {
      await stopOne(name, "SIGTERM");
      await launch(name);
    },
    startReplica: async (name) => {
      const key = `${name}#${++replicas + 1}`;
      const port = await freePort();
      replicaUrls.set(key, `http://127.0.0.1:${port}`);
      await launch(name, key, port);
      return key;
    },
    replicaUrl: (key) => replicaUrls.get(key),
    stop,
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

/** The variables that are the same for every service: where the others listen, AWS, the topology. */
export function stackEnvironment(stack: {
  urls: Partial<Record<ServiceName, string>>;
  aws: AwsTarget;
  topology: TopologyAddresses;
  bucket: string;
  prefix?: string | undefined;
}): Record<string, string | undefined> {
  return {
    // Only for the services another one calls (the gateway calls the calendar service for the feed).
    ...Object.fromEntries(
      Object.entries(stack.urls)
        .map(([name, url]) => [urlVariable(name as ServiceName), url])
        .filter(([variable]) => unreadVariables({ [variable as string]: "" }).length === 0),
    ),
    AWS_ENDPOINT_URL: stack.aws.endpoint,
    AWS_REGION: stack.aws.region,
    TOPIC_ARN: stack.topology.topicArn,
    CALENDAR_BUCKET: stack.bucket,
    TOPOLOGY_PREFIX: stack.prefix,
    CALENDAR_QUEUE_URL: stack.topology.queues.calendar.url,
    JOB_STATUS_QUEUE_URL: stack.topology.queues["job-status"].url,
    EXPLORER_QUEUE_URL: stack.topology.queues.explorer.url,
  };
}
