import { describe, expect, it } from "@jest/globals";
import { ConfigError } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { runService } from "./service.ts";

const silent = createLogger({ service: "t", level: "silent" });

describe("runService (the body of every main.ts)", () => {
  it("on a failed start stops what was opened and exits 1", async () => {
    const seen: string[] = [];
    await runService(
      "t",
      () => ({
        logger: silent,
        start: async () => {
          seen.push("start");
          throw new Error("port in use");
        },
        stop: async () => void seen.push("stop"),
      }),
      (code) => seen.push(`exit ${code}`),
    );
    expect(seen).toEqual(["start", "stop", "exit 1"]);
  });

  it("exits 1 on a bad configuration, without starting anything", async () => {
    const codes: number[] = [];
    await runService(
      "t",
      () => {
        throw new ConfigError("Invalid configuration:\n  PORT: too big");
      },
      (code) => codes.push(code),
    );
    expect(codes).toEqual([1]);
  });

  it("does not exit after a good start", async () => {
    const codes: number[] = [];
    await runService(
      "t",
      () => ({ logger: silent, start: async () => ({ port: 1 }), stop: async () => {} }),
      (c) => codes.push(c),
    );
    expect(codes).toEqual([]);
    process.removeAllListeners("SIGINT");
    process.removeAllListeners("SIGTERM");
  });
});
