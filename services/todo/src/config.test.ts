import { describe, expect, it } from "@jest/globals";
import { ConfigError } from "@taskoverflow/platform";
import { loadConfig, publishing } from "./config.ts";

describe("loadConfig", () => {
  it("defaults to embedded PostgreSQL on 127.0.0.1:6401", () => {
    expect(loadConfig({})).toEqual({
      port: 6401,
      host: "127.0.0.1",
      logLevel: "info",
      databaseUrl: undefined,
      databasePoolSize: 10,
      dataDir: ".data/todo",
      aws: { endpoint: undefined, region: "us-east-1" },
      topicArn: undefined,
      topologyPrefix: "taskoverflow-",
      listCacheBytes: 8 * 1024 * 1024,
      eventGroupMax: 50,
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "7000",
      HOST: "0.0.0.0",
      LOG_LEVEL: "warn",
      DATABASE_URL: "postgres://u:p@db:5432/todo",
      DATABASE_POOL_SIZE: "4",
      DATA_DIR: "memory",
      AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
      AWS_REGION: "eu-west-1",
      TOPIC_ARN: "arn:aws:sns:eu-west-1:000000000000:taskoverflow-events",
      TOPOLOGY_PREFIX: "dev-",
      LIST_CACHE_BYTES: "0",
      EVENT_GROUP_MAX: "1",
    });
    expect(config).toEqual({
      port: 7000,
      host: "0.0.0.0",
      logLevel: "warn",
      databaseUrl: "postgres://u:p@db:5432/todo",
      databasePoolSize: 4,
      dataDir: "memory",
      aws: { endpoint: "http://127.0.0.1:4566", region: "eu-west-1" },
      topicArn: "arn:aws:sns:eu-west-1:000000000000:taskoverflow-events",
      topologyPrefix: "dev-",
      listCacheBytes: 0,
      eventGroupMax: 1,
    });
  });

  it("publishes to TOPIC_ARN when set, resolves the topic by name in a deployed mode, else publishes nothing", () => {
    const topic = "arn:aws:sns:us-east-1:000000000000:taskoverflow-events";
    expect(publishing(loadConfig({ TOPIC_ARN: topic, DATABASE_URL: "postgres://db/todo" }))).toBe("arn");
    expect(publishing(loadConfig({ DATABASE_URL: "postgres://db/todo" }))).toBe("resolve");
    expect(publishing(loadConfig({ AWS_ENDPOINT_URL: "http://localstack:4566" }))).toBe("resolve");
    expect(publishing(loadConfig({ TOPIC_ARN: "  " }))).toBe("none");
    expect(publishing(loadConfig({}))).toBe("none");
  });

  it("treats an empty DATABASE_URL as unset", () => {
    expect(loadConfig({ DATABASE_URL: "" }).databaseUrl).toBeUndefined();
  });

  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ PORT: "http" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "http" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "not a url" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ LIST_CACHE_BYTES: "-1" })).toThrow(/LIST_CACHE_BYTES/);
    expect(() => loadConfig({ EVENT_GROUP_MAX: "0" })).toThrow(/EVENT_GROUP_MAX/);
  });
});
