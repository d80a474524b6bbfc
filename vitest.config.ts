import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Setup hooks synthesize the stack with esbuild bundling: minutes on a loaded two-core machine, seconds otherwise.
    hookTimeout: 180_000,
    // Suites start their own servers on ephemeral ports; two cores is the target machine.
    maxWorkers: 2,
    // Structured logs are captured, not printed: a passing run shows no ERROR lines (see the file).
    setupFiles: ["test/support/logCapture.ts"],
    // One temp folder per run, removed at the end (test/support/tempRoot.ts).
    globalSetup: ["test/support/tempRoot.ts"],
    env: {
      POWERTOOLS_DEV: "false",
      POWERTOOLS_LOG_LEVEL: "ERROR",
      POWERTOOLS_METRICS_DISABLED: "true",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    },
  },
});
