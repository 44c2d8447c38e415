import { runService } from "@taskoverflow/platform";
import { createJobStatusApp } from "./app.ts";
import { loadConfig } from "./config.ts";

await runService("job-status", () => createJobStatusApp(loadConfig()));
