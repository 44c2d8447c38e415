import { onShutdown } from "@taskoverflow/platform";
import { createJobStatusApp } from "./app.ts";
import { loadConfig } from "./config.ts";

const app = createJobStatusApp(loadConfig());
onShutdown(app.logger, () => app.stop());
try {
  await app.start();
} catch (err) {
  app.logger.fatal({ err }, "job-status service failed to start");
  await app.stop();
  process.exit(1);
}
