import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { buildCliBundle, CLI_BUNDLE_PATH } from "../../infra/bundling/buildCliBundle.js";
import { productionPackages } from "../support/productionInstall.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PACKAGE = JSON.parse(readFileSync(`${REPO}package.json`, "utf8")) as { dependencies: Record<string, string> };

/** The package a bare specifier names: `@aws-sdk/client-sqs` of itself, `zod` of `zod/mini`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/** Every module the committed bundle imports (esbuild reads them; none is followed). */
async function importsOfBundle(): Promise<string[]> {
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: [CLI_BUNDLE_PATH],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((imported) => imported.path));
}

describe("the CLI bundle (bin/cdp-relay.bundle.mjs)", () => {
  it("is what `npm run build:cli` builds from the sources", async () => {
    const committed = readFileSync(`${REPO}${CLI_BUNDLE_PATH}`, "utf8");

    expect(committed === (await buildCliBundle()), "bin/cdp-relay.bundle.mjs is out of date: run `npm run build:cli` and commit it").toBe(true);
  });

  it("imports only Node's own modules and the package's dependencies, which npm ci --omit=dev installs", async () => {
    const imports = await importsOfBundle();
    const packages = [...new Set(imports.filter((path) => !path.startsWith("node:") && !builtinModules.includes(path)).map(packageOf))].sort();

    expect(imports.filter((path) => path.startsWith("."))).toEqual([]);
    expect(packages).toContain("@aws-sdk/client-sqs");
    expect(
      packages.filter((name) => !(name in PACKAGE.dependencies)),
      "imported by the CLI but not in dependencies",
    ).toEqual([]);
    expect(
      packages.filter((name) => !productionPackages().includes(name)),
      "imported by the CLI but marked dev in package-lock.json",
    ).toEqual([]);
  });
});
