// Mutation testing (docs/testing.md#mutation-testing): `npm run mutation`, or `npm run mutation:incremental`
// to re-test only the mutants whose code or tests changed since the last run.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  // related: false: a mutant's test files are known from the per-test coverage; vitest's own search for the
  // test files related to the mutated file walks every test file's imports on each run.
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  // Each mutant runs only the tests that executed its code in the initial run.
  coverageAnalysis: "perTest",
  mutate: [
    "shared/queue/**/*.ts",
    "shared/http/**/*.ts",
    // Constants only (checked against docs/security.md by test/shared/http/limits.test.ts): their mutants are
    // static, which the vitest runner cannot activate in time, so they could only show up as false survivors.
    "!shared/http/limits.ts",
    "shared/errors.ts",
    "shared/destinations/*/client.ts",
    "shared/flows/**/*.ts",
  ],
  // The machine has two cores shared with others.
  concurrency: 2,
  // A mutant that makes a test hang (a retry loop, a lost answer) counts as killed by timeout.
  timeoutMS: 5_000,
  // A static mutant (a module-level constant) would need the whole suite re-run per mutant; they are listed as ignored.
  ignoreStatic: true,
  reporters: ["clear-text", "progress", "html", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  incrementalFile: "reports/mutation/stryker-incremental.json",
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  thresholds: { high: 80, low: 70, break: null },
};
