import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

export interface ManagedProcess {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr), for diagnostics. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns a long-running process, keeps its output, and stops it (SIGTERM, then SIGKILL after 5 s). */
export function startProcess(cmd: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  const chunks: string[] = [];
  let size = 0;
  const keep = (b: Buffer) => {
    chunks.push(b.toString());
    size += b.length;
    while (size > 1_000_000 && chunks.length > 1) size -= (chunks.shift() ?? "").length;
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return {
    child,
    output: () => chunks.join(""),
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The environment a service's `testConfig()` loads its config from: its schema's defaults, on a free port,
 * silent, PGlite in memory, with `extra` on top (e.g. a TODO_SERVICE_URL nothing listens on).
 */
export function serviceTestEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PORT: "0", LOG_LEVEL: "silent", DATA_DIR: "memory", ...extra };
}
