// Writes the files derived from the topology and the event catalogue. Run from the repository root:
//   node packages/messaging/src/topology.generate.ts
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderEventsDoc } from "./events.docs.ts";
import { generatedFiles, renderLocalstackInit, renderTopologyJson } from "./topology.render.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Every generated file: repository-relative path -> content. */
export function generatedContents(): Record<string, string> {
  return {
    [generatedFiles.localstackInit]: renderLocalstackInit(),
    [generatedFiles.topologyJson]: renderTopologyJson(),
    "docs/events.md": renderEventsDoc(),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, content] of Object.entries(generatedContents())) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    if (path.endsWith(".sh")) chmodSync(file, 0o755);
    process.stdout.write(`wrote ${path}\n`);
  }
}
