import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const files = new Map<string, string>();
let folder: string | undefined;

/**
 * A secret document as a file, for RELAY_SECRETS_FILE: written once per test process and content (not
 * once per call), in one private temp folder that is removed when the process exits.
 */
export function secretsFile(secrets: unknown): string {
  const content = JSON.stringify(secrets);
  const existing = files.get(content);
  if (existing) return existing;
  if (!folder) {
    const created = mkdtempSync(join(tmpdir(), "cdp-relay-test-"));
    folder = created;
    process.once("exit", () => rmSync(created, { recursive: true, force: true }));
  }
  const file = join(folder, `secrets-${files.size}.json`);
  writeFileSync(file, content, { mode: 0o600 });
  files.set(content, file);
  return file;
}
