// The images docker-compose.yml needs (see docker.ts for the whole picture): the official ones when present or
// pullable, otherwise local stand-ins rebuilt only when their inputs change.
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { defaultSay, dockerCacheDir, ok, out, runLogged, type Say } from "./docker.ts";
export const NODE_BASE_IMAGE = "node:24-bookworm-slim";
export const DEBIAN_STANDIN_IMAGE = "taskoverflow-standin/debian:bookworm";
export const POSTGRES_STANDIN_IMAGE = "taskoverflow-standin/postgres:15";
export const LOCALSTACK_STANDIN_IMAGE = "taskoverflow-standin/localstack:moto";
const INPUTS_LABEL = "org.taskoverflow.inputs";

function imagePresent(image: string): boolean {
  return ok("docker", ["image", "inspect", image], 10_000);
}

/** Present in the engine, or pulled now. A machine without a registry fails the pull at once. */
export function imageObtainable(image: string): boolean {
  return imagePresent(image) || ok("docker", ["pull", "--quiet", image], 300_000);
}

function imageLabel(image: string, label: string): string | undefined {
  try {
    const v = out("docker", ["image", "inspect", "--format", `{{index .Config.Labels "${label}"}}`, image]);
    return v === "" || v === "<no value>" ? undefined : v;
  } catch {
    return undefined;
  }
}

/** A hash of every file under the given paths (and extra strings): a stand-in is rebuilt when it changes. */
function inputsHash(paths: string[], extra: string[] = []): string {
  const h = createHash("sha256");
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else {
      h.update(p).update(readFileSync(p));
    }
  };
  for (const p of paths) walk(p);
  for (const e of extra) h.update(e);
  return h.digest("hex").slice(0, 16);
}

/** The Debian bookworm minbase rootfs as an image: the root of every stand-in. Kept as a tarball too. */
function ensureDebianStandin(say: Say): string {
  if (imagePresent(DEBIAN_STANDIN_IMAGE)) return "cached";
  const cache = dockerCacheDir();
  const tarball = join(cache, "debian-bookworm-minbase.tar");
  const log = join(cache, "debootstrap.log");
  if (!existsSync(tarball)) {
    const rootfs = join(cache, "rootfs-build");
    rmSync(rootfs, { recursive: true, force: true });
    say("building a Debian bookworm rootfs with debootstrap (about 2 minutes, once)");
    runLogged("debootstrap", ["--variant=minbase", "bookworm", rootfs, "http://deb.debian.org/debian"], log);
    rmSync(join(rootfs, "var/cache/apt/archives"), { recursive: true, force: true });
    mkdirSync(join(rootfs, "var/cache/apt/archives/partial"), { recursive: true });
    rmSync(join(rootfs, "var/lib/apt/lists"), { recursive: true, force: true });
    mkdirSync(join(rootfs, "var/lib/apt/lists/partial"), { recursive: true });
    // The trust store through which this machine reaches the npm registry and Debian's mirror.
    mkdirSync(join(rootfs, "etc/ssl/certs"), { recursive: true });
    cpSync("/etc/ssl/certs/ca-certificates.crt", join(rootfs, "etc/ssl/certs/ca-certificates.crt"));
    runLogged("tar", ["-C", rootfs, "-cf", `${tarball}.tmp`, "."], log);
    runLogged("mv", [`${tarball}.tmp`, tarball], log);
    rmSync(rootfs, { recursive: true, force: true });
  }
  runLogged(
    "docker",
    [
      "import",
      "-c",
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "-c",
      'CMD ["bash"]',
      tarball,
      DEBIAN_STANDIN_IMAGE,
    ],
    log,
  );
  return "built";
}

/**
 * Builds docker/standins/<dir> unless an image built from the same inputs exists: the folder's files, `key`
 * (versions of what `assemble` copies in) and the Debian stand-in's id. `assemble` adds files to the context.
 */
function buildStandin(
  say: Say,
  root: string,
  dir: string,
  image: string,
  key: string[],
  assemble: (context: string) => void = () => {},
): string {
  const source = join(root, "docker", "standins", dir);
  const base = out("docker", ["image", "inspect", "-f", "{{.Id}}", DEBIAN_STANDIN_IMAGE]);
  const hash = inputsHash([source], [...key, base]);
  if (imageLabel(image, INPUTS_LABEL) === hash) return "cached";
  const context = join(dockerCacheDir(), `context-${dir}`);
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context, { recursive: true });
  assemble(context);
  cpSync(source, context, { recursive: true });
  say(`building the stand-in ${image}`);
  const started = Date.now();
  runLogged(
    "docker",
    ["build", "--label", `${INPUTS_LABEL}=${hash}`, "-t", image, context],
    join(dockerCacheDir(), `build-${dir}.log`),
  );
  return `built in ${Math.round((Date.now() - started) / 1000)} s`;
}

/** The Node.js 24 binary that bootstrap put into .tools/ (from the npm `node@24` package). */
function nodeBinary(root: string): string {
  const candidate = join(root, ".tools", "node_modules", ".bin", "node");
  if (existsSync(candidate)) return realpathSync(candidate);
  if (process.versions.node.startsWith("24.")) return process.execPath;
  throw new Error("no Node.js 24 binary found (run `node scripts/bootstrap.mjs check` first)");
}

function npmFolder(): string {
  for (const p of [
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm"),
    "/usr/lib/node_modules/npm",
  ]) {
    if (existsSync(join(p, "bin", "npm-cli.js"))) return p;
  }
  try {
    return join(out("npm", ["root", "-g"]), "npm");
  } catch {
    throw new Error("no npm found to put into the node base stand-in");
  }
}

export interface ImageChoice {
  /** What the compose run uses for this role. */
  image: string;
  kind: "official" | "stand-in";
  detail: string;
}

/** `node:24-bookworm-slim`: official when present/pullable, else the stand-in (kept in the engine). */
export function ensureNodeBase(root: string, say: Say = defaultSay): ImageChoice {
  const label = imageLabel(NODE_BASE_IMAGE, "org.taskoverflow.standin");
  if (imagePresent(NODE_BASE_IMAGE) && label === undefined) {
    return { image: NODE_BASE_IMAGE, kind: "official", detail: "present" };
  }
  if (label === undefined && ok("docker", ["pull", "--quiet", NODE_BASE_IMAGE], 300_000)) {
    return { image: NODE_BASE_IMAGE, kind: "official", detail: "pulled" };
  }
  const debian = ensureDebianStandin(say);
  const node = nodeBinary(root);
  const npm = npmFolder();
  const key = [out(node, ["--version"]), readFileSync(join(npm, "package.json"), "utf8")];
  const detail = buildStandin(say, root, "node", NODE_BASE_IMAGE, key, (context) => {
    cpSync(node, join(context, "node"));
    cpSync(npm, join(context, "npm"), { recursive: true, dereference: true });
  });
  return { image: NODE_BASE_IMAGE, kind: "stand-in", detail: `debian ${debian}, node ${detail}` };
}

/** The PostgreSQL image docker-compose.yml names, or the stand-in. */
export function ensurePostgres(root: string, official: string, say: Say = defaultSay): ImageChoice {
  if (imageObtainable(official)) return { image: official, kind: "official", detail: "present or pulled" };
  ensureDebianStandin(say);
  const detail = buildStandin(say, root, "postgres", POSTGRES_STANDIN_IMAGE, []);
  return { image: POSTGRES_STANDIN_IMAGE, kind: "stand-in", detail: `Debian's PostgreSQL 15, ${detail}` };
}

/** The LocalStack image docker-compose.yml names, or the moto stand-in. */
export function ensureLocalstack(root: string, official: string, say: Say = defaultSay): ImageChoice {
  if (imageObtainable(official)) return { image: official, kind: "official", detail: "present or pulled" };
  ensureDebianStandin(say);
  const versions = out("python3", [
    "-c",
    "import importlib.metadata as m; print(m.version('moto'), m.version('awscli'))",
  ]);
  const detail = buildStandin(say, root, "aws", LOCALSTACK_STANDIN_IMAGE, [versions], (context) => {
    const collector = join(root, "docker", "standins", "aws", "collect-site-packages.py");
    say(`copying moto ${versions.split(" ")[0]} and the AWS CLI out of this machine's Python`);
    out("python3", [collector, join(context, "site-packages")], 300_000);
  });
  return { image: LOCALSTACK_STANDIN_IMAGE, kind: "stand-in", detail: `moto server, ${detail}` };
}
