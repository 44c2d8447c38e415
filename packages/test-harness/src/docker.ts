import { execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { aptGet } from "./apt.ts";

/**
 * A Docker engine and the images docker-compose.yml needs, on any machine:
 * - the engine: the running one, or (as root on Debian, as on our build machines) `dockerd` started here, with
 *   Debian's docker.io/docker-compose/debootstrap packages installed first when missing;
 * - `node:24-bookworm-slim`, the Dockerfile's base: the official image when present or pullable, otherwise a
 *   local stand-in built from a debootstrap rootfs and the Node.js 24 binary that `.tools/` already holds;
 * - PostgreSQL and LocalStack: the official images when present or pullable, otherwise local stand-ins
 *   (docker/standins/), which docker-compose.standins.yml swaps in, and nothing else.
 * Everything built is kept (the engine's image store, and the rootfs tarball under `dockerCacheDir()`), so a
 * second run rebuilds nothing whose inputs did not change. This file: the engine and compose; the images:
 * docker-images.ts.
 */

export type Say = (line: string) => void;
export const defaultSay: Say = (line) => process.stderr.write(`[containers] ${line}\n`);

/** Build output and the engine's log go here; reused between runs. */
export function dockerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TASKOVERFLOW_DOCKER_CACHE ?? join(homedir(), ".cache", "taskoverflow", "docker");
}

/** The legacy builder: Debian's docker.io has no buildx, and a newer CLI without buildx refuses BuildKit. */
export const dockerEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  DOCKER_BUILDKIT: "0",
  COMPOSE_DOCKER_CLI_BUILD: "0",
});

/** Whether a command exits 0 (quietly, with the legacy builder). */
export function ok(cmd: string, args: string[], timeout = 20_000): boolean {
  return spawnSync(cmd, args, { stdio: "ignore", timeout, env: dockerEnv() }).status === 0;
}

/** A command's trimmed standard output (throws when it fails). */
export function out(cmd: string, args: string[], timeout = 20_000): string {
  return execFileSync(cmd, args, {
    encoding: "utf8",
    timeout,
    env: dockerEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** Runs a command with its output in `log`; on failure throws with the log's last lines. */
export function runLogged(cmd: string, args: string[], log: string, options: { cwd?: string } = {}): void {
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, "a");
  try {
    const r = spawnSync(cmd, args, { stdio: ["ignore", fd, fd], env: dockerEnv(), ...options });
    if (r.status !== 0) {
      const tail = readFileSync(log, "utf8").split("\n").slice(-30).join("\n");
      throw new Error(
        `${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal}); end of ${log}:\n${tail}`,
      );
    }
  } finally {
    closeSync(fd);
  }
}

export function engineRunning(): boolean {
  return ok("docker", ["info", "--format", "{{.ServerVersion}}"], 10_000);
}

/** Why this machine cannot have a Docker engine, or undefined when it can (one runs, or we may start one). */
export function engineUnavailableReason(): string | undefined {
  if (engineRunning()) return undefined;
  if (process.platform !== "linux") return "no Docker engine answers `docker info` (start Docker Desktop)";
  if (process.getuid?.() !== 0) {
    return "no Docker engine answers `docker info`, and only root may start one here (run as root, or start dockerd)";
  }
  if (!existsSync("/usr/bin/apt-get") && !onPath("dockerd")) {
    return "no Docker engine runs, dockerd is not installed and there is no apt-get to install it";
  }
  return undefined;
}

export function onPath(cmd: string): boolean {
  return ok("sh", ["-c", `command -v ${cmd}`]);
}

/** Debian's packages for the engine, compose 1.29 and debootstrap (the stand-in base), as root. */
function installDebianPackages(say: Say, log: string): void {
  const missing = [
    ["dockerd", "docker.io"],
    ["docker-compose", "docker-compose"],
    ["debootstrap", "debootstrap"],
  ].filter(([cmd]) => !onPath(cmd as string));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg as string);
  say(`installing Debian packages: ${packages.join(" ")}`);
  process.env.DEBIAN_FRONTEND = "noninteractive";
  runLogged("apt-get", aptGet("update", "-qq"), log);
  runLogged("apt-get", aptGet("install", "-y", "-qq", "--no-install-recommends", ...packages), log);
}

/**
 * A Docker engine that answers. Starts `dockerd` (overlay2, falling back to vfs) when none runs and we are root
 * on Linux; the engine keeps running after the tests so its image cache serves the next run.
 */
export async function ensureDockerEngine(say: Say = defaultSay): Promise<string> {
  if (engineRunning())
    return `engine: already running (${out("docker", ["info", "--format", "{{.ServerVersion}} {{.Driver}}"])})`;
  const reason = engineUnavailableReason();
  if (reason) throw new Error(`the containers tier cannot run here: ${reason}`);
  const cache = dockerCacheDir();
  installDebianPackages(say, join(cache, "apt.log"));
  for (const driver of ["overlay2", "vfs"]) {
    const log = join(cache, `dockerd-${driver}.log`);
    mkdirSync(cache, { recursive: true });
    const fd = openSync(log, "a");
    const child = spawn("dockerd", [`--storage-driver=${driver}`], {
      detached: true,
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    child.unref();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && child.exitCode === null && !engineRunning()) await delay(500);
    if (engineRunning()) {
      say(`engine: started dockerd --storage-driver=${driver} (pid ${child.pid}, log ${log})`);
      return `engine: started by the tier (${driver})`;
    }
    say(`dockerd --storage-driver=${driver} did not come up (see ${log})`);
    if (child.exitCode === null) child.kill("SIGTERM");
    await delay(2_000);
  }
  throw new Error(`dockerd did not start; see the logs in ${cache}`);
}

/** `docker compose` (v2) when the plugin is there, else Debian's `docker-compose` 1.29. */
export function composeCommand(): string[] {
  if (ok("docker", ["compose", "version"])) return ["docker", "compose"];
  if (onPath("docker-compose")) return ["docker-compose"];
  throw new Error("neither `docker compose` nor `docker-compose` is installed");
}

/** The `image:` of a service in docker-compose.yml (a plain read: the file keeps one `image:` per service). */
export function composeImage(composeFile: string, service: string): string {
  const text = readFileSync(composeFile, "utf8");
  const block = text
    .split(/\n(?= {2}[a-z][\w-]*:\s*$)/m)
    .find((b) => b.trimStart().startsWith(`${service}:`));
  const image = block?.match(/^\s+image:\s*["']?([^\s"']+)/m)?.[1];
  if (!image) throw new Error(`${composeFile} has no image: for the ${service} service`);
  return image;
}
