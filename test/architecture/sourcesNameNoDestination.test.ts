import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * A source parses what its partner sends and knows no destination (docs/architecture.md, "The layers").
 * The eslint import rule catches a source importing a destination; this catches the knowledge that travels
 * without an import: a destination named in code, a comment or a string of any file under shared/sources/.
 * The words: every destination folder under shared/destinations/ plus the engagement tools by name; a
 * source that is also a destination (mParticle) may name itself.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const SOURCES = join(ROOT, "shared", "sources");
const DESTINATIONS = join(ROOT, "shared", "destinations");

const folders = (path: string): string[] =>
  readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
const files = (path: string): string[] =>
  readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));

const DESTINATION_WORDS = [...new Set(["pushwoosh", "mixpanel", ...folders(DESTINATIONS)])];

/** Each line of `text` that names one of `words` (case-insensitive), as `line: text`. */
function namingLines(text: string, words: readonly string[]): string[] {
  const pattern = new RegExp(words.join("|"), "i");
  return text.split("\n").flatMap((line, index) => (pattern.test(line) ? [`${index + 1}: ${line.trim()}`] : []));
}

describe("no file under shared/sources/ names a destination", () => {
  it("knows the destinations and the sources it checks", () => {
    expect(DESTINATION_WORDS).toEqual(expect.arrayContaining(["pushwoosh", "mixpanel", "mparticle"]));
    expect(folders(SOURCES)).toEqual(expect.arrayContaining(["mparticle", "braze"]));
  });

  it.each(folders(SOURCES))("shared/sources/%s", (source) => {
    const words = DESTINATION_WORDS.filter((word) => word !== source);
    const found = files(join(SOURCES, source)).flatMap((file) =>
      namingLines(readFileSync(file, "utf8"), words).map((line) => `${relative(ROOT, file).split(sep).join("/")}:${line}`),
    );
    expect(found, `a source names no destination (${words.join(", ")}); move this to shared/flows`).toEqual([]);
  });

  it("finds a destination named in a comment", () => {
    expect(namingLines("const a = 1;\n// sent on to Pushwoosh\n", DESTINATION_WORDS)).toEqual(["2: // sent on to Pushwoosh"]);
    expect(namingLines("const id = 'mixpanel_distinct_id';", ["mixpanel"])).toHaveLength(1);
    expect(namingLines("const a = 1;", DESTINATION_WORDS)).toEqual([]);
  });
});
