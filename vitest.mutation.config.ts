import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The suite Stryker runs against each mutant (stryker.config.mjs): the unit and function tests, which
 * import the mutated code in-process. Left out: test/e2e (the fault run and the `npm start` runs drive the
 * code in child processes, which Stryker's per-test coverage cannot see, and take minutes), test/infra
 * (synthesis and deployed bundles), test/fuzz, test/security, test/cli and test/docs (none of them is the
 * only test of a mutated line). Also left out: test/shared/queue/worker.poller.test.ts, the worker runtime
 * behind the local event source mapping (about 25 s of real receives and whole-second visibility waits, which
 * every surviving worker mutant would re-run); test/shared/queue/worker.test.ts calls the same handler in
 * process on records from the embedded SQS and asserts the same outcomes (kept in flight with its
 * visibility, re-enqueued remainder, DLQ copies and records) in well under a second.
 */
export default defineConfig({
  ...base,
  // Not mergeConfig: it would append to the base suite's include instead of replacing it.
  test: {
    ...base.test,
    include: ["test/shared/**/*.test.ts", "test/functions/**/*.test.ts"],
    exclude: [...(base.test?.exclude ?? []), "test/shared/queue/worker.poller.test.ts"],
  },
});
