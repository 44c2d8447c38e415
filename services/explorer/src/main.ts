import { runService } from "@taskoverflow/platform";
import { createExplorerApp } from "./app.ts";
import { loadConfig } from "./config.ts";

await runService("explorer", () => createExplorerApp(loadConfig()));
