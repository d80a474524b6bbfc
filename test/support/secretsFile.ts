import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";

const files = new Map<string, string>();
let folder: string | undefined;

/**
 * A secret document as a file, for RELAY_SECRETS_FILE: written once per test process and content (not
 * once per call), in a private folder inside the run's temp root, which the global setup removes
 * (test/support/tempRoot.ts).
 */
export function secretsFile(secrets: unknown): string {
  const content = JSON.stringify(secrets);
  const existing = files.get(content);
  if (existing) return existing;
  folder ??= mkdtempSync(join(inject("testTempRoot"), "secrets-"));
  const file = join(folder, `secrets-${files.size}.json`);
  writeFileSync(file, content, { mode: 0o600 });
  files.set(content, file);
  return file;
}
