import { runService } from "@taskoverflow/platform";
import { createCalendarApp } from "./app.ts";
import { loadConfig } from "./config.ts";

await runService("calendar", () => createCalendarApp(loadConfig()));
