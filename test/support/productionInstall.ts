import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** The packages `npm ci --omit=dev` installs at the top of node_modules: the lock file's entries not marked dev. */
export function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith("node_modules/") && !path.slice("node_modules/".length).includes("node_modules/") && entry.dev !== true)
    .map(([path]) => path.slice("node_modules/".length));
}

/**
 * The package as `npm ci --omit=dev` lays it out: package.json and bin/ copied into a temp folder whose
 * node_modules links only the production packages. Code there that imports a dev dependency fails to
 * resolve it, as on an operator's machine. Returns the folder.
 */
export function productionInstall(): string {
  const folder = mkdtempSync(join(inject("testTempRoot"), "production-install-"));
  cpSync(join(REPO, "package.json"), join(folder, "package.json"));
  cpSync(join(REPO, "bin"), join(folder, "bin"), { recursive: true });
  for (const name of productionPackages()) {
    const link = join(folder, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(REPO, "node_modules", name), link, "dir");
  }
  return folder;
}
