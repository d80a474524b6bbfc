import { relative } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import base from "./vitest.config.js";

/**
 * Runs a mutant's test files failed-last-time first (the file that killed the previous mutant, usually of
 * the same code, often kills this one), then quickest first. Vitest's own order puts the slowest first, so
 * a mutant a unit test kills in milliseconds paid for the slower function tests that also cover its line.
 */
class KillersFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const last = (file: TestSpecification) => this.ctx.cache.getFileTestResults(`${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`);
    return [...files].sort((a, b) => {
      const [resultA, resultB] = [last(a), last(b)];
      return Number(resultB?.failed ?? false) - Number(resultA?.failed ?? false) || (resultA?.duration ?? 0) - (resultB?.duration ?? 0);
    });
  }
}

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
    exclude: [...configDefaults.exclude, "test/shared/queue/worker.poller.test.ts"],
    // One module graph for every test file: Stryker re-runs a mutant's test files hundreds of times, and
    // re-importing the AWS SDK, Powertools and zod for each file cost most of a mutant's time (the suite:
    // 67 s isolated, 19 s not). Mutants switch at run time (ignoreStatic), so cached modules see them.
    isolate: false,
    // ...but each file starts from the environment the suite started with (see the file).
    setupFiles: [...[base.test?.setupFiles ?? []].flat(), "test/support/restoreEnv.ts"],
    sequence: { ...base.test?.sequence, sequencer: KillersFirst },
  },
});
