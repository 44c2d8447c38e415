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
    {
      ...base,
      displayName: "int",
      testMatch: ["**/*.int.test.ts"],
      globalSetup: `${harness}/global-setup.ts`,
      globalTeardown: `${harness}/global-teardown.ts`,
    },
    {
      ...base,
      displayName: "e2e",
      testMatch: ["**/*.e2e.test.ts"],
      globalSetup: `${harness}/global-setup.ts`,
      globalTeardown: `${harness}/global-teardown.ts`,
    },
    {
      // Property-based tests (fast-check) through the running system; fixed seed and run count (FUZZ_SEED, FUZZ_RUNS).
      ...base,
      displayName: "fuzz",
      testMatch: ["**/*.fuzz.test.ts"],
      globalSetup: `${harness}/global-setup.ts`,
      globalTeardown: `${harness}/global-teardown.ts`,
    },
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
