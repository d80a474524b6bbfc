import { afterAll } from "vitest";

/**
 * Setup file of the mutation suite (vitest.mutation.config.ts), which runs its test files one after another
 * in one worker without isolation: each file gets back the environment it started with, as an isolated
 * worker would have, so a variable one file sets (a sandbox URL, a short partner timeout) cannot change
 * another file's run. (Modules stay loaded on purpose: re-evaluating them per file would make Stryker see
 * module-level code as covered by tests, and report its static mutants as survivors.)
 */
const started = { ...process.env };

afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in started)) delete process.env[name];
  Object.assign(process.env, started);
});
