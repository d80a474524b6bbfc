/**
 * The DLQ CLI ships as one ES module, `bin/cdp-relay.bundle.mjs`, built from `cli/main.ts` with esbuild
 * and committed: `npx cdp-relay dlq ...` then runs on plain Node after `npm ci --omit=dev`, with no
 * TypeScript loader and no build step at install (esbuild and tsx are dev dependencies). Our own code
 * (cli/, and what it uses of shared/ and infra/outputs.ts) is bundled; every package stays an import, so
 * the bundle holds only code reviewed here and loads the dependencies the lock file pins.
 * test/infra/bundling/buildCliBundle.test.ts fails when the committed bundle differs from a fresh build.
 *
 * `npm run build:cli` rebuilds it.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const CLI_BUNDLE_PATH = "bin/cdp-relay.bundle.mjs";

/** The bundle's text, as `npm run build:cli` writes it. */
export async function buildCliBundle(): Promise<string> {
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: ["cli/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    // engines.node in package.json.
    target: "node20.19",
    packages: "external",
    // Whitespace and syntax only: identifiers keep their names, so a stack trace still names cli/'s
    // functions. The bundle is an artifact, read in cli/: the tree holds one readable copy of that code
    // (template literals, the help texts, become escaped strings on the bundle's one line).
    minifyWhitespace: true,
    minifySyntax: true,
    supported: { "template-literal": false },
    write: false,
    outfile: CLI_BUNDLE_PATH,
    banner: { js: "// Generated from cli/main.ts by `npm run build:cli` (infra/bundling/buildCliBundle.ts). Edit the sources, then rebuild." },
    logLevel: "warning",
  });
  const [output] = result.outputFiles;
  if (!output || result.outputFiles.length !== 1) throw new Error(`esbuild wrote ${result.outputFiles.length} files for the CLI bundle, expected one`);
  return output.text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(new URL(CLI_BUNDLE_PATH, new URL("../../", import.meta.url)), await buildCliBundle());
  console.log(`wrote ${CLI_BUNDLE_PATH}`);
}
