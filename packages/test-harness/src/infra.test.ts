import { describe, expect, it } from "@jest/globals";
import { chooseInfra, LOCALSTACK_IMAGE, POSTGRES_IMAGE, RYUK_IMAGE, testcontainersImages } from "./infra.ts";

describe("the Testcontainers path", () => {
  it("checks every image it will start, the reaper too, before it is chosen", () => {
    expect(testcontainersImages({})).toEqual([POSTGRES_IMAGE, LOCALSTACK_IMAGE, RYUK_IMAGE]);
    expect(testcontainersImages({ RYUK_CONTAINER_IMAGE: "mirror/ryuk:1" })).toContain("mirror/ryuk:1");
    expect(testcontainersImages({ TESTCONTAINERS_RYUK_DISABLED: "true" })).toEqual([
      POSTGRES_IMAGE,
      LOCALSTACK_IMAGE,
    ]);
  });

  it("pins full versions: LocalStack 4.14.0 (the last without an auth token), PostgreSQL to a minor", () => {
    expect(LOCALSTACK_IMAGE).toBe("localstack/localstack:4.14.0");
    expect(POSTGRES_IMAGE).toMatch(/^postgres:\d+\.\d+/);
  });

  it("takes a pinned choice as given and rejects an unknown one", () => {
    expect(chooseInfra({ TASKOVERFLOW_TEST_INFRA: "local" })).toBe("local");
    expect(() => chooseInfra({ TASKOVERFLOW_TEST_INFRA: "docker" })).toThrow(/TASKOVERFLOW_TEST_INFRA/);
  });
});
