import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** One private temp folder for the whole run, removed when the run ends (test/support/secretsFile.ts). */
    testTempRoot: string;
  }
}

/**
 * Global setup: the run's temp folder is made and removed here, in the main process, because a test
 * worker's own exit hooks do not run when vitest stops its workers.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), "cdp-relay-test-"));
  project.provide("testTempRoot", root);
  return () => rm(root, { recursive: true, force: true });
}
