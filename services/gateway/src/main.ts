import { createLogger, onShutdown } from "@taskoverflow/platform";
import { createGatewayApp } from "./app.ts";
import { loadConfig } from "./config.ts";

const config = loadConfig();
const logger = createLogger({ service: "gateway", level: config.logLevel });
const gateway = createGatewayApp(config, { logger });
await gateway.start();
onShutdown(logger, () => gateway.stop());
