import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The suite Stryker runs against each mutant (stryker.config.mjs): the unit and function tests, which
 * import the mutated code in-process. Left out: test/e2e (the fault run and the `npm start` runs drive the
 * code in child processes, which Stryker's per-test coverage cannot see, and take minutes), test/infra
 * (synthesis and deployed bundles), test/fuzz, test/security, test/cli and test/docs (none of them is the
 * only test of a mutated line).
 */
export default defineConfig({
  ...base,
  // Not mergeConfig: it would append to the base suite's include instead of replacing it.
  test: { ...base.test, include: ["test/shared/**/*.test.ts", "test/functions/**/*.test.ts"] },
});
