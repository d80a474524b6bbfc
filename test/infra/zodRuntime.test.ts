import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z as bundled } from "../../infra/bundling/zodRuntime.js";
import { REPOSITORY_ROOT } from "../../infra/stack.js";

/** `z.<member>` in type positions only: tsc resolves them against zod itself, so the bundle needs none of them. */
const TYPE_ONLY = new Set(["infer", "input", "output"]);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

describe("the zod the deployed bundles get (infra/bundling/zodRuntime.ts)", () => {
  const used = new Map<string, string>();
  for (const file of ["functions", "shared"].flatMap((folder) => sourceFiles(path.join(REPOSITORY_ROOT, folder)))) {
    for (const match of readFileSync(file, "utf8").matchAll(/\bz\.([A-Za-z]+)/g)) {
      const member = match[1] as string;
      if (!TYPE_ONLY.has(member) && !used.has(member)) used.set(member, path.relative(REPOSITORY_ROOT, file));
    }
  }

  it("finds the members the relay uses", () => {
    expect(used.has("object")).toBe(true);
    expect(used.has("string")).toBe(true);
  });

  it("has every member shared/ and functions/ use, as zod's own", async () => {
    const zod = (await import("zod")).z as unknown as Record<string, unknown>;
    const members = bundled as unknown as Record<string, unknown>;
    const missing = [...used].filter(([member]) => members[member] === undefined).map(([member, file]) => `z.${member} (${file})`);
    expect(missing, "add them to infra/bundling/zodRuntime.ts").toEqual([]);
    for (const member of used.keys()) expect(members[member], `z.${member}`).toBe(zod[member]);
  });

  it("keeps zod's English messages", () => {
    const result = bundled.object({ name: bundled.string().min(3) }).safeParse({ name: "x" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Too small: expected string to have >=3 characters");
  });
});
