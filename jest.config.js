// Tiers, chosen by file suffix: *.test.ts (unit, no I/O), *.int.test.ts (real PostgreSQL and a real
// SNS/SQS/S3 endpoint), *.e2e.test.ts (the running system over HTTP), *.fuzz.test.ts (generated input through the
// running system), *.containers.test.ts (the images built from the Dockerfile, run by docker-compose.yml on a
// Docker engine), *.infra.test.ts (terraform/test: the Terraform code and its moto rehearsal). scripts/test.ts
// runs them in order.
const base = {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleFileExtensions: ["ts", "js", "mjs", "cjs", "json"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2024" }, module: { type: "es6" } },
    ],
  },
  roots: ["<rootDir>/packages", "<rootDir>/services", "<rootDir>/scripts"],
};

const harness = "<rootDir>/packages/test-harness/src/jest";

/** A tier on real infrastructure: the harness chooses (and at the end stops) PostgreSQL and the AWS emulators. */
const onInfra = (displayName, suffix) => ({
  ...base,
  displayName,
  testMatch: [`**/*.${suffix}.test.ts`],
  globalSetup: `${harness}/global-setup.ts`,
  globalTeardown: `${harness}/global-teardown.ts`,
});

export default {
  // Jest reads the timeout from the top level only; integration and e2e tests start real processes.
  testTimeout: 60_000,
  projects: [
    {
      ...base,
      displayName: "unit",
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: [
        "/node_modules/",
        "\\.int\\.test\\.ts$",
        "\\.e2e\\.test\\.ts$",
        "\\.containers\\.test\\.ts$",
        "\\.fuzz\\.test\\.ts$",
      ],
    },
    onInfra("int", "int"),
    onInfra("e2e", "e2e"),
    // Property-based tests (fast-check) through the running system; fixed seed and run count (FUZZ_SEED, FUZZ_RUNS).
    onInfra("fuzz", "fuzz"),
    {
      ...base,
      displayName: "containers",
      testMatch: ["**/*.containers.test.ts"],
      globalSetup: `${harness}/containers-setup.ts`,
    },
    // Infrastructure (terraform/test): fmt, validate, and the moto rehearsal of terraform/aws.
    { ...base, displayName: "infra", roots: ["<rootDir>/terraform"], testMatch: ["**/*.infra.test.ts"] },
  ],
};
