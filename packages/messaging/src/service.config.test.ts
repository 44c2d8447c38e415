import { describe, expect, it } from "@jest/globals";
import { parseEnv } from "@taskoverflow/platform";
import { z } from "zod";
import { consumerEnv, consumerSettings, defaultGatherMs } from "./service.config.ts";

describe("consumerEnv", () => {
  const settings = (source: NodeJS.ProcessEnv, defaults?: { gatherMs?: number }) =>
    consumerSettings(parseEnv(z.object(consumerEnv(defaults)), source), undefined);

  it("gathers for defaultGatherMs after a partial receive unless the service says otherwise", () => {
    expect(settings({})).toEqual({
      topologyPrefix: "taskoverflow-",
      queueUrl: undefined,
      concurrency: 10,
      gatherMs: defaultGatherMs,
    });
    expect(settings({}, { gatherMs: 0 }).gatherMs).toBe(0);
  });

  it("takes CONSUMER_GATHER_MS over the service's default, 0 included", () => {
    expect(settings({ CONSUMER_GATHER_MS: "0" }).gatherMs).toBe(0);
    expect(settings({ CONSUMER_GATHER_MS: "35" }, { gatherMs: 0 }).gatherMs).toBe(35);
  });
});
