#!/usr/bin/env node
// The entry behind every root npm script. It runs on whatever Node.js the machine has (20 or newer),
// makes sure the pinned toolchain (Node.js 24 and pnpm, from tools/package.json) and the workspace's
// dependencies are installed, then hands over to scripts/<command>.ts running on Node.js 24.
// Plain JavaScript on purpose: it must run before TypeScript support (Node >= 22.6) is there.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const toolsDir = join(root, ".tools");
const toolsBin = join(toolsDir, "node_modules", ".bin");
const log = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function mustRun(cmd, args, opts) {
  const status = run(cmd, args, opts);
  if (status !== 0) {
    log(`failed: ${cmd} ${args.join(" ")} (exit ${status})`);
    process.exit(status);
  }
}

function digest(files) {
  const h = createHash("sha256");
  for (const f of files) h.update(f).update(existsSync(f) ? readFileSync(f) : "");
  return h.digest("hex");
}

function workspaceManifests() {
  const out = [join(root, "package.json"), join(root, "pnpm-lock.yaml"), join(root, "pnpm-workspace.yaml")];
  for (const group of ["packages", "services"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const manifest = join(dir, name, "package.json");
      if (existsSync(manifest)) out.push(manifest);
    }
  }
  return out;
}

// 1. The toolchain: Node.js 24 and pnpm, installed from the npm registry into .tools/.
function ensureTools() {
  const spec = join(root, "tools", "package.json");
  const stamp = join(toolsDir, ".stamp");
  const want = digest([spec]);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want && existsSync(join(toolsBin, "node"))) return;
  log("installing Node.js 24 and pnpm into .tools/ (first run only)");
  mkdirSync(toolsDir, { recursive: true });
  copyFileSync(spec, join(toolsDir, "package.json"));
  mustRun("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", toolsDir], {
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  writeFileSync(stamp, want);
}

// 2. The workspace's dependencies, installed by the pinned pnpm when a manifest or the lockfile changed.
function ensureDependencies(env) {
  const stamp = join(root, "node_modules", ".bootstrap-stamp");
  const want = digest(workspaceManifests());
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  log("installing workspace dependencies with pnpm");
  const frozen = process.env.CI ? ["--frozen-lockfile"] : [];
  mustRun(join(toolsBin, "pnpm"), ["install", "--config.confirmModulesPurge=false", ...frozen], { env });
  writeFileSync(stamp, digest(workspaceManifests()));
}

const [command = "start", ...args] = process.argv.slice(2);
const script = join(root, "scripts", `${command}.ts`);
if (!existsSync(script)) {
  log(`unknown command "${command}"`);
  process.exit(2);
}
ensureTools();
const env = {
  ...process.env,
  PATH: `${toolsBin}:${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
  npm_config_update_notifier: "false",
};
ensureDependencies(env);
const child = spawn(join(toolsBin, "node"), [script, ...args], { stdio: "inherit", cwd: root, env });
// Ctrl-C reaches the whole process group; the child shuts down on its own and we wait for it.
// A SIGTERM sent to this process alone (a supervisor, npm) is passed on.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
