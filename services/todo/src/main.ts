import { runService } from "@taskoverflow/platform";
import { createTodoApp } from "./app.ts";
import { loadConfig } from "./config.ts";

await runService("todo", () => createTodoApp(loadConfig()));
