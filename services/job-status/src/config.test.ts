import { describe, expect, it } from "@jest/globals";
import { ConfigError } from "@taskoverflow/platform";
import { loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("gathers nothing after a partial receive by default: every job step has a client waiting for it", () => {
    expect(loadConfig({}).gatherMs).toBe(0);
  });

  it("reads CONSUMER_GATHER_MS, and refuses a negative or fractional one", () => {
    expect(loadConfig({ CONSUMER_GATHER_MS: "15" }).gatherMs).toBe(15);
    expect(() => loadConfig({ CONSUMER_GATHER_MS: "-1" })).toThrow(ConfigError);
    expect(() => loadConfig({ CONSUMER_GATHER_MS: "2.5" })).toThrow(ConfigError);
  });
});
