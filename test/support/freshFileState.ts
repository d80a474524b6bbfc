import { afterAll, vi } from "vitest";

/**
 * Setup file of the mutation suite (vitest.mutation.config.ts), which runs its test files one after another
 * in one worker without isolation. After each file, the project's modules are dropped (the next file
 * evaluates them afresh: module-level caches such as the relay secret's start empty again, as in an
 * isolated worker) while the packages under node_modules, the costly imports, stay loaded; and the
 * environment goes back to what the file started with, so a variable one file sets (a sandbox URL, a
 * short partner timeout) cannot change another file's run.
 */
const started = { ...process.env };

afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in started)) delete process.env[name];
  Object.assign(process.env, started);
  vi.resetModules();
});
