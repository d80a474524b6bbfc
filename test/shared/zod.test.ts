import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../../infra/stack.js";
import * as z from "../../shared/zod.js";

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

describe("the zod of the relay's schemas (shared/zod.ts)", () => {
  it("gives zod's English messages, which zod/mini does not load by itself", () => {
    const result = z.object({ name: z.string().check(z.minLength(3)), time: z.number() }).safeParse({ name: "x", time: "soon" });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      "Too small: expected string to have >=3 characters",
      "Invalid input: expected number, received string",
    ]);
  });

  it("is the only zod shared/ and functions/ import: zod's classic `z` would carry all of zod into every bundle, and another path would skip the English messages", () => {
    const home = path.join(REPOSITORY_ROOT, "shared", "zod.ts");
    const others = ["functions", "shared"]
      .flatMap((folder) => sourceFiles(path.join(REPOSITORY_ROOT, folder)))
      .filter((file) => file !== home && /from "zod(\/[^"]*)?"/.test(readFileSync(file, "utf8")))
      .map((file) => path.relative(REPOSITORY_ROOT, file));
    expect(others).toEqual([]);
  });
});
