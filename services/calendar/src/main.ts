import { onShutdown } from "@taskoverflow/platform";
import { createCalendarApp } from "./app.ts";
import { loadConfig } from "./config.ts";

const app = createCalendarApp(loadConfig());
onShutdown(app.logger, () => app.stop());
try {
  await app.start();
} catch (err) {
  app.logger.fatal({ err }, "calendar service failed to start");
  await app.stop();
  process.exit(1);
}
