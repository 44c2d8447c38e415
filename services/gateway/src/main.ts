import { createLogger, runService } from "@taskoverflow/platform";
import { createGatewayApp } from "./app.ts";
import { loadConfig } from "./config.ts";

await runService("gateway", () => {
  const config = loadConfig();
  const logger = createLogger({ service: "gateway", level: config.logLevel });
  const gateway = createGatewayApp(config, { logger });
  return { logger, start: () => gateway.start(), stop: () => gateway.stop() };
});
