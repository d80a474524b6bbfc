import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["node_modules/", "cdk.out/", "coverage/", "reports/", ".stryker-tmp/", "bin/cdp-relay.bundle.mjs"] },
  // A disable comment that no longer disables anything is removed, not left to mislead.
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The rules that need the type checker, each for a bug the compiler lets through: a promise nobody awaits
    // (its rejection is lost), a promise where a callback's result is ignored, a `!` that hides an undefined,
    // a `switch` that forgets a member of its union.
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    files: ["shared/**/*.ts", "functions/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "error" },
  },
  // The architecture's boundaries (see shared/flows): a source and a destination meet only in a flow;
  // the plumbing knows no partner; only shared/config reads the environment.
  boundaries(),
  {
    // The partner sandboxes stand in for the partners: sharing the relay's code would let one mistake pass both sides.
    files: ["infra/local/sandboxes/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/shared/**", "**/functions/**"], message: "the sandboxes import nothing from the relay" }] },
      ],
    },
  },
);
function boundaries() {
  const forbid = (files, folders, why) => ({
    files,
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: folders.map((folder) => `**/${folder}/**`), message: why }] }],
    },
  });
  return [
    forbid(["shared/sources/**/*.ts"], ["destinations", "flows"], "a source knows no destination: routing and mapping live in shared/flows"),
    forbid(["shared/destinations/**/*.ts"], ["sources", "flows"], "a destination knows no source: mapping from a source lives in shared/flows"),
    forbid(["shared/queue/**/*.ts", "shared/http/**/*.ts"], ["sources", "destinations", "flows"], "the plumbing knows no partner"),
    {
      files: ["shared/**/*.ts"],
      ignores: ["shared/config/**"],
      rules: {
        "no-restricted-properties": ["error", { object: "process", property: "env", message: "read settings through shared/config" }],
      },
    },
  ];
}
