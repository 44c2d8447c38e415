// npm run bench -- <name> [args]: runs bench/<name>.ts. Each benchmark prints a markdown table to paste into
// docs/benchmarks.md together with the command, the machine and the date.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [name, ...rest] = process.argv.slice(2);
const available = readdirSync("bench")
  .filter((f) => f.endsWith(".ts") && !f.includes(".lib."))
  .map((f) => f.replace(/\.ts$/, ""));
if (!name || !existsSync(join("bench", `${name}.ts`))) {
  process.stderr.write(`usage: npm run bench -- <${available.join("|")}> [options]\n`);
  process.exit(2);
}
process.argv = [process.argv[0] ?? "node", join(process.cwd(), "bench", `${name}.ts`), ...rest];
await import(`../bench/${name}.ts`);
