// Static checks: formatting and lint (Biome), types (tsc), dependency boundaries (dependency-cruiser).
import { step } from "./lib.ts";

await step("lint and format (biome ci)", "biome", ["ci", "--error-on-warnings", "."]);
await step("typecheck (tsc)", "tsc", ["-p", "tsconfig.json"]);
await step("typecheck the web UI (tsc, checkJs)", "tsc", ["-p", "services/gateway/public/tsconfig.json"]);
await step("dependency boundaries (dependency-cruiser)", "depcruise", [
  "--config",
  ".dependency-cruiser.cjs",
  "packages",
  "services",
]);
