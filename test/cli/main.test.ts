import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DlqEntry } from "../../cli/dlq/entry.js";
import { DLQ_USAGE, USAGE } from "../../cli/main.js";
import { depth, drain, parkWorkItem, runCli, SECRETS, useHarness, workItemFactory } from "./harness.js";
import { productionInstall } from "../support/productionInstall.js";

const harness = useHarness();
/** Where the package is installed as `npm ci --omit=dev` would: the bin runs without tsx or any dev dependency. */
let installed: string;
beforeAll(() => {
  installed = productionInstall();
});

/**
 * The real bin in a child process, with only the local endpoint configured (no region, no credentials),
 * or with exactly the environment given.
 */
async function spawnBin(args: string[], environment?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = environment ?? { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ENDPOINT_URL_SQS: harness().endpoint };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(installed, "bin", "cdp-relay.mjs"), ...args], { cwd: installed, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("cdp-relay command line", () => {
  it("prints usage for --help, and for dlq --help the dlq usage", async () => {
    expect(await runCli(["--help"])).toEqual({ code: 0, stdout: USAGE, stderr: "" });
    expect(await runCli(["dlq", "--help"])).toEqual({ code: 0, stdout: DLQ_USAGE, stderr: "" });
    expect(DLQ_USAGE).toContain("cdp-relay dlq redrive --queue <destination> [--max N] [--reason R] [--dry-run]");
  });

  it.each([
    [[], "cdp-relay: missing command\n\n" + USAGE],
    [["queues"], 'cdp-relay: unknown command "queues"\n\n' + USAGE],
    [["dlq"], "cdp-relay: missing dlq command\n\n" + DLQ_USAGE],
    [["dlq", "drain", "--queue", "mixpanel"], 'cdp-relay: unknown dlq command "drain"\n\n' + DLQ_USAGE],
    [["dlq", "list"], "cdp-relay: --queue <destination> (or --queue-url) is required\n\n" + DLQ_USAGE],
    [["dlq", "list", "--queue", "braze"], 'cdp-relay: --queue must be one of pushwoosh, mparticle, mixpanel, got "braze"\n\n' + DLQ_USAGE],
    [["dlq", "list", "--queue", "mixpanel", "--max", "0"], 'cdp-relay: --max must be a positive whole number, got "0"\n\n' + DLQ_USAGE],
    [["dlq", "list", "--queue", "mixpanel", "--yes"], "cdp-relay: dlq list does not take --yes\n\n" + DLQ_USAGE],
    [["dlq", "show", "--queue", "mixpanel"], "cdp-relay: dlq show takes one message id\n\n" + DLQ_USAGE],
    [["dlq", "redrive", "--queue", "mixpanel", "--json"], "cdp-relay: --json on redrive needs --dry-run\n\n" + DLQ_USAGE],
    [["dlq", "list", "--queue-url", "http://x/1/q-dlq", "--stack", "prod"], "cdp-relay: --queue-url and --stack are alternatives; pass one\n\n" + DLQ_USAGE],
  ])("exits 2 with the usage for %j", async (argv, stderr) => {
    expect(await runCli(argv)).toEqual({ code: 2, stdout: "", stderr });
  });

  it("rejects an unknown option with exit 2", async () => {
    const run = await runCli(["dlq", "list", "--queue", "mixpanel", "--verbose"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^cdp-relay: Unknown option '--verbose'/);
  });

  it("exits 1 with one line when the queue does not exist on the endpoint", async () => {
    harness().server.deleteQueue("cdp-relay-mparticle-dlq");
    try {
      const run = await runCli(["dlq", "list", "--queue", "mparticle"]);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^cdp-relay: queue cdp-relay-mparticle-dlq not found at ${harness().endpoint} \\(.*\\); is the local stack running \\(npm start\\), or did you mean --stack\\?\\n$`,
        ),
      );
    } finally {
      harness().server.createQueue("cdp-relay-mparticle-dlq");
    }
  });

  describe("names the real cause when SQS cannot be reached at all", () => {
    let home: string;
    beforeAll(async () => {
      // No ~/.aws: the SDK finds no region and no credentials in a profile.
      home = await mkdtemp(join(tmpdir(), "cdp-relay-home-"));
    });
    afterAll(async () => {
      await rm(home, { recursive: true, force: true });
    });

    it("no region and no endpoint: says to set AWS_REGION (or the local endpoint), not that the queue is missing", async () => {
      const run = await spawnBin(["dlq", "list", "--queue", "mparticle"], { PATH: process.env.PATH, HOME: home });

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        "cdp-relay: no AWS region is set: set AWS_REGION or pass --region (against the local stack, set AWS_ENDPOINT_URL_SQS=http://127.0.0.1:9324 instead)\n",
      );
    });

    it("an endpoint where nothing listens: names AWS_ENDPOINT_URL_SQS and npm start", async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
      const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
      await new Promise((resolve) => closed.close(resolve));

      const run = await spawnBin(["dlq", "list", "--queue", "mparticle"], { PATH: process.env.PATH, HOME: home, AWS_ENDPOINT_URL_SQS: endpoint });

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `cdp-relay: nothing answers at AWS_ENDPOINT_URL_SQS=${endpoint}: is the local stack running (npm start; its port is LOCAL_SQS_PORT)?\n`,
      );
    });
  });

  it("runs as a real process through the bin against the local endpoint, with no AWS region or credentials set", async () => {
    const items = [workItemFactory("mparticle"), workItemFactory("mparticle")];
    for (const item of items) await parkWorkItem(item, { reason: "retries-exhausted", errorClass: "retryable", status: 503, attempts: 5 });

    const list = await spawnBin(["dlq", "list", "--queue", "mparticle", "--json"]);
    const redrive = await spawnBin(["dlq", "redrive", "--queue", "mparticle", "--max", "1"]);
    const usage = await spawnBin(["dlq", "purge"]);

    expect(list.code).toBe(0);
    expect(list.stderr).toBe("");
    const entries = JSON.parse(list.stdout) as DlqEntry[];
    expect(entries.map((entry) => entry.workItemId).sort()).toEqual(items.map((item) => item.workItemId).sort());
    expect(entries.every((entry) => entry.reason === "retries-exhausted" && entry.status === 503 && entry.attempts === 5)).toBe(true);
    expect(list.stdout).not.toContain(SECRETS.apiToken);
    expect(redrive).toEqual({
      code: 0,
      stdout: "Moved 1 message(s) from cdp-relay-mparticle-dlq to cdp-relay-mparticle (receive/send/delete).\n",
      stderr: "",
    });
    expect(await drain(harness().sqs, harness().urls.mparticle.queue)).toHaveLength(1);
    expect(await depth(harness().sqs, harness().urls.mparticle.dlq)).toBe(1);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^cdp-relay: --queue <destination> \(or --queue-url\) is required\n\nUsage:/);
  });
});
