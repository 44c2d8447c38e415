// The course's Flask + gunicorn + Celery + Redis stack (../shared/peers/course-stack) as a peer to measure against,
// started by its own run.sh on a database we give it (the same PostgreSQL server as TaskOverflow's) and on free
// ports. It is a yardstick: nothing in the product depends on it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort, waitFor } from "@taskoverflow/test-harness";
import { runForOutput } from "./run-output.ts";

/** run.sh keeps its pid files and logs here (fixed in the script). */
const stateDir = "/tmp/course-peer";
const pidFiles = ["gunicorn.pid", "celery.pid"].map((f) => join(stateDir, f));

export interface CoursePeer {
  url: string;
  /** Where its logs are, for a failure message. */
  logs: string;
  stop(): Promise<void>;
}

/** COURSE_STACK_DIR, else ../shared/peers/course-stack from the repository (or from /work/main's layout). */
export function courseStackDir(repoRoot: string): string {
  const candidates = [
    process.env.COURSE_STACK_DIR,
    resolve(repoRoot, "..", "shared", "peers", "course-stack"),
    "/work/shared/peers/course-stack",
  ].filter((d): d is string => Boolean(d));
  const dir = candidates.find((d) => existsSync(join(d, "run.sh")));
  if (!dir)
    throw new Error(`course stack not found (looked in ${candidates.join(", ")}); set COURSE_STACK_DIR`);
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Starts the peer with `run.sh start DATABASE_URL` (gunicorn with 4 sync workers, a Celery worker, Redis).
 * `databaseUrl` is any postgres:// URL; SQLAlchemy 1.4 wants the postgresql:// scheme, so it is rewritten.
 */
export async function startCoursePeer(repoRoot: string, databaseUrl: string): Promise<CoursePeer> {
  const dir = courseStackDir(repoRoot);
  for (const bin of ["/usr/bin/gunicorn", "/usr/bin/redis-server"])
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: install the peer's packages once with \`bash ${dir}/run.sh deps\``);
  for (const f of pidFiles) {
    const pid = pidIn(f);
    if (pid !== undefined && alive(pid))
      throw new Error(
        `a course stack is already running (${f}: pid ${pid}); it is not ours to stop, try again when it is gone`,
      );
  }
  const [port, redisPort] = [await freePort(), await freePort()];
  const env = { ...process.env, COURSE_PORT: String(port), REDIS_PORT: String(redisPort) };
  const url = `http://127.0.0.1:${port}`;
  const db = databaseUrl.replace(/^postgres(ql)?:\/\//, "postgresql://");

  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    const pids = pidFiles.map(pidIn).filter((p): p is number => p !== undefined && alive(p));
    for (const pid of pids) process.kill(pid, "SIGTERM");
    return pids;
  };
  const stopRedis = () => {
    try {
      execFileSync("redis-cli", ["-p", String(redisPort), "shutdown", "nosave"], { stdio: "ignore" });
    } catch {
      // already gone
    }
  };
  // If the benchmark dies without its teardown, do not leave the peer behind.
  const onExit = () => {
    stopNow();
    stopRedis();
  };
  process.once("exit", onExit);

  const stop = async () => {
    process.off("exit", onExit);
    const pids = stopNow() ?? [];
    try {
      await waitFor(() => pids.every((p) => !alive(p)), {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: "the course stack to exit",
      });
    } catch {
      for (const p of pids) if (alive(p)) process.kill(p, "SIGKILL");
    }
    stopRedis();
    for (const f of pidFiles) rmSync(f, { force: true });
  };

  try {
    const out = await runForOutput("bash", [join(dir, "run.sh"), "start", db], { env, what: "run.sh start" });
    await waitFor(
      async () => {
        const res = await fetch(`${url}/api/v1/health`);
        return res.ok && ((await res.json()) as { status?: string }).status === "ok";
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `the course stack on ${url} (run.sh said: ${out.trim()})` },
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\nlogs: ${stateDir}/gunicorn.log, ${stateDir}/celery.log`);
  }
  return { url, logs: `${stateDir}/gunicorn.log, ${stateDir}/celery.log`, stop };
}
