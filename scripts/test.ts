// npm test: static checks, then the unit, integration, end-to-end, fuzz, containers and infrastructure tiers,
// in that order.
// `npm test -- unit int` runs only the named tiers (and skips the static checks).
// The containers tier joins a plain `npm test` where a Docker engine runs or can be started here (as root on
// Debian); elsewhere it is left out with the reason printed, and TASKOVERFLOW_TEST_DOCKER=required (CI) makes
// that a failure.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { aptGet, chooseInfra, chromiumPath, engineUnavailableReason } from "@taskoverflow/test-harness";
import { run } from "./lib.ts";

const all = ["unit", "int", "e2e", "fuzz", "containers", "infra"] as const;
type Tier = (typeof all)[number];
const requested = process.argv.slice(2);
const bad = requested.filter((t) => !(all as readonly string[]).includes(t));
if (bad.length > 0) {
  process.stderr.write(`unknown test tier(s): ${bad.join(", ")}; choose from ${all.join(", ")}\n`);
  process.exit(2);
}
const tiers: Tier[] = requested.length > 0 ? (requested as Tier[]) : [...all];

if (tiers.includes("containers")) {
  const reason = engineUnavailableReason();
  if (reason && (requested.length > 0 || process.env.TASKOVERFLOW_TEST_DOCKER === "required")) {
    process.stderr.write(`the containers tier cannot run here: ${reason}\n`);
    process.exit(1);
  }
  if (reason) {
    process.stderr.write(`\n[test] containers tier left out: ${reason}\n`);
    tiers.splice(tiers.indexOf("containers"), 1);
  }
}

if (requested.length === 0) await import("./check.ts");

if (tiers.includes("e2e")) ensureChromium();
// Chosen once and pinned for every jest run below, so all tiers use the same infrastructure.
let infra: string | undefined;
if (tiers.includes("int") || tiers.includes("e2e") || tiers.includes("fuzz") || tiers.includes("infra")) {
  infra = chooseInfra();
  process.stderr.write(
    `\n[test] infrastructure choice: ${infra} (TASKOVERFLOW_TEST_INFRA=${process.env.TASKOVERFLOW_TEST_INFRA ?? "auto"})\n`,
  );
}

mkdirSync(".test-results", { recursive: true });
let passed = 0;
let failed = 0;
let failedTiers = 0;
const env = {
  ...process.env,
  ...(infra && { TASKOVERFLOW_TEST_INFRA: infra }),
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --experimental-vm-modules`.trim(),
};
for (const tier of tiers) {
  process.stderr.write(`\n=== tests: ${tier}\n`);
  const out = `.test-results/${tier}.json`;
  const code = await run("jest", ["--selectProjects", tier, "--json", `--outputFile=${out}`], env);
  try {
    const summary = JSON.parse(readFileSync(out, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
    };
    passed += summary.numPassedTests;
    failed += summary.numFailedTests;
  } catch {
    failed += 1;
  }
  if (code !== 0) failedTiers += 1;
}
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(failedTiers > 0 || failed > 0 ? 1 : 0);

/** Browser tests need a real Chromium; on Debian as root we install it, elsewhere we say how. */
function ensureChromium(): void {
  try {
    chromiumPath();
    return;
  } catch {
    // not installed yet
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      "Chromium is needed for the browser tests: install it (e.g. `sudo apt-get install chromium`) or set CHROMIUM_PATH.\n",
    );
    process.exit(1);
  }
  process.stderr.write("[test] installing Debian's chromium for the browser tests\n");
  const apt = { stdio: "inherit" as const, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } };
  execFileSync("apt-get", aptGet("update", "-qq"), apt);
  execFileSync("apt-get", aptGet("install", "-y", "-qq", "--no-install-recommends", "chromium"), apt);
}
