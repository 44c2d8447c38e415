import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { composeCommand, composeImage, ensureDockerEngine } from "../docker.ts";
import { ensureLocalstack, ensureNodeBase, ensurePostgres, type ImageChoice } from "../docker-images.ts";

/**
 * The containers tier's setup: a Docker engine (started here when none runs and we may), the Dockerfile's base
 * image and the two infrastructure images of docker-compose.yml, real or stand-in. When a stand-in is used, an
 * override file that swaps exactly those images is written, and the test runs the real compose file with it.
 * The choice is printed and handed to the test through TASKOVERFLOW_COMPOSE (JSON).
 */
export default async function containersSetup(): Promise<void> {
  const root = resolve(import.meta.dirname, "..", "..", "..", "..");
  const started = performance.now();
  const engine = await ensureDockerEngine();
  const composeFile = join(root, "docker-compose.yml");
  const choices: Record<string, ImageChoice> = {
    base: ensureNodeBase(root),
    postgres: ensurePostgres(root, composeImage(composeFile, "postgres")),
    localstack: ensureLocalstack(root, composeImage(composeFile, "localstack")),
  };
  const files = [composeFile];
  const swapped = (["postgres", "localstack"] as const).filter((s) => choices[s]?.kind === "stand-in");
  if (swapped.length > 0) {
    const dir = join(root, ".test-results");
    mkdirSync(dir, { recursive: true });
    const override = join(dir, "docker-compose.standins.yml");
    const lines = [
      "# Written by the containers tier: the images this machine cannot pull, swapped for stand-ins.",
      "services:",
    ];
    for (const s of swapped) lines.push(`  ${s}:`, `    image: ${choices[s]?.image}`);
    writeFileSync(override, `${lines.join("\n")}\n`);
    files.push(override);
  }
  const command = composeCommand();
  process.env.TASKOVERFLOW_COMPOSE = JSON.stringify({ command, files, root });
  const summary = Object.entries(choices)
    .map(([role, c]) => `${role}: ${c.kind} ${c.image} (${c.detail})`)
    .join("; ");
  process.stderr.write(
    `\n[containers] ${engine}; compose: ${command.join(" ")}; ${summary}; ready in ${Math.round((performance.now() - started) / 1000)} s\n`,
  );
}
