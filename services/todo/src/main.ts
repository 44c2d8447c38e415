import { onShutdown } from "@taskoverflow/platform";
import { createTodoApp } from "./app.ts";
import { loadConfig } from "./config.ts";

const app = createTodoApp(loadConfig());
onShutdown(app.logger, () => app.stop());
try {
  await app.start();
} catch (err) {
  app.logger.fatal({ err }, "todo service failed to start");
  await app.stop();
  process.exit(1);
}
