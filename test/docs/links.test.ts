import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defined } from "../support/defined.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function markdownFiles(): string[] {
  const inDocs = (folder: string): string[] =>
    readdirSync(folder).flatMap((name) => {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) return inDocs(path);
      return name.endsWith(".md") ? [path] : [];
    });
  return [join(ROOT, "README.md"), ...inDocs(join(ROOT, "docs"))];
}

/** The text a reader sees as prose: fenced blocks and code spans cannot hold links or headings. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingSlugs(markdown: string): Set<string> {
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  const slugs = new Set<string>();
  for (const [, text] of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = defined(text)
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    let slug = base;
    for (let repeat = 1; slugs.has(slug); repeat += 1) slug = `${base}-${repeat}`;
    slugs.add(slug);
  }
  return slugs;
}

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(readFileSync(file, "utf8")).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^(https?:|mailto:)/i.test(defined(target))) continue;
    const [path = "", anchor] = defined(target).split("#", 2);
    const resolved = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
    const where = `${relative(ROOT, file)}: ${target}`;
    if (!existsSync(resolved)) broken.push(`${where} (no such file)`);
    else if (anchor && !headingSlugs(readFileSync(resolved, "utf8")).has(decodeURIComponent(anchor))) broken.push(`${where} (no such heading)`);
  }
  return broken;
}

/** Names the configuration code reads, directly or through a helper given the name as a literal. */
function environmentVariablesRead(): Set<string> {
  const folders = ["shared/config", "infra/local"].map((folder) => join(ROOT, folder));
  const sources = folders.flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => name.endsWith(".ts"))
      .map((name) => readFileSync(join(folder, name), "utf8")),
  );
  const names = new Set<string>();
  for (const source of sources) {
    const patterns = [/process\.env\.([A-Z][A-Z0-9_]*)/g, /process\.env\[\s*["'`]([A-Z][A-Z0-9_]*)["'`]\s*\]/g];
    // `process.env[name]`: the names arrive as call arguments or as keys of a defaults table.
    if (/process\.env\[\s*[A-Za-z_]/.test(source)) patterns.push(/\w\(\s*"([A-Z][A-Z0-9_]*)"/g, /^\s*([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s*:/gm);
    for (const pattern of patterns) for (const [, name] of source.matchAll(pattern)) names.add(defined(name));
  }
  return names;
}

describe("documentation", () => {
  it("computes GitHub's heading anchors", () => {
    expect(headingSlugs("# mParticle → Pushwoosh\n## Runbook: at 3 a.m.\n## Intake: `POST /braze/currents`\n## Intake: `POST /braze/currents`")).toEqual(
      new Set(["mparticle--pushwoosh", "runbook-at-3-am", "intake-post-brazecurrents", "intake-post-brazecurrents-1"]),
    );
  });

  it("has no relative link to a missing file or heading", () => {
    const files = markdownFiles();
    expect(files.map((file) => relative(ROOT, file))).toContain("docs/configuration.md");
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it("documents every environment variable the configuration code reads", () => {
    const names = environmentVariablesRead();
    expect(names).toContain("RELAY_SECRETS_FILE");
    const reference = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
    expect([...names].filter((name) => !reference.includes(`\`${name}\``))).toEqual([]);
  });
});
