import { type JobStatusConfig, loadConfig } from "../src/app.ts";

/** The service's own defaults (its config schema), quiet and on a free port, with a test's changes on top. */
export function testConfig(changes: Partial<JobStatusConfig> = {}): JobStatusConfig {
  return {
    ...loadConfig({
      PORT: "0",
      LOG_LEVEL: "silent",
      DATA_DIR: "memory",
      TODO_SERVICE_URL: "http://127.0.0.1:9",
    }),
    ...changes,
  };
}
