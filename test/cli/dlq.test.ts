import { describe, expect, it } from "vitest";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { DlqEntry } from "../../cli/dlq/entry.js";
import { outputKeyForQueue } from "../../infra/outputs.js";
import { PARK_ATTRIBUTE } from "../../shared/queue/park.js";
import { MAX_RECEIVE_COUNT } from "../../shared/queue/definition.js";
import { startFakeCloudFormation, startMoveTaskProxy } from "./fakeEndpoints.js";
import { SECRETS, depth, drain, moveBySqs, parkWorkItem, runCli, useHarness, workItemFactory, type CapturedRun } from "./harness.js";

const harness = useHarness();

function expectNoSecrets(run: CapturedRun): void {
  for (const secret of [...Object.values(SECRETS), "leaked-key-42"]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

/** Three Mixpanel DLQ messages, one of each origin: permanent 400, credentials 401, moved by SQS. */
async function arrangeMixedDlq() {
  const permanent = workItemFactory("mixpanel");
  const credentials = workItemFactory("mixpanel");
  const crashed = workItemFactory("mixpanel");
  await parkWorkItem(permanent);
  await parkWorkItem(credentials, {
    reason: "credentials",
    errorClass: "auth",
    status: 401,
    message: "mixpanel answered HTTP 401",
    partnerMessage: "Invalid service account credentials",
    attempts: MAX_RECEIVE_COUNT,
  });
  await moveBySqs(harness(), crashed);
  return { permanent, credentials, crashed };
}

async function listJson(): Promise<DlqEntry[]> {
  const run = await runCli(["dlq", "list", "--queue", "mixpanel", "--json"]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as DlqEntry[];
}

describe("dlq list", () => {
  it("prints one JSON array describing each parked and SQS-moved message, and consumes nothing", async () => {
    const { permanent, credentials, crashed } = await arrangeMixedDlq();

    const entries = await listJson();

    expect(entries).toHaveLength(3);
    const byWorkItem = new Map(entries.map((entry) => [entry.workItemId, entry]));
    expect(byWorkItem.get(permanent.workItemId)).toMatchObject({
      destination: "mixpanel",
      reason: "permanent",
      errorClass: "permanent",
      status: 400,
      attempts: 1,
      firstFailedAt: "2025-03-01T12:00:05.000Z",
      parkedAt: "2025-03-01T12:00:06.000Z",
      message: "mixpanel answered HTTP 400",
      partnerMessage: '{"error":"event rejected","api_key":"[REDACTED]"}',
      correlationId: permanent.correlationId,
    });
    expect(byWorkItem.get(credentials.workItemId)).toMatchObject({ reason: "credentials", errorClass: "auth", status: 401, attempts: 5 });
    const moved = byWorkItem.get(crashed.workItemId);
    expect(moved).toMatchObject({
      destination: "mixpanel",
      reason: "receive-limit",
      status: null,
      errorClass: null,
      attempts: MAX_RECEIVE_COUNT,
      correlationId: crashed.correlationId,
    });
    expect(moved?.firstFailedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const entry of entries) expect(entry.messageId).toMatch(/^[0-9a-f-]{36}$/);
    // Nothing consumed: the messages are visible again and a second listing sees the same ones.
    expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(3);
    expect((await listJson()).map((entry) => entry.messageId).sort()).toEqual(entries.map((entry) => entry.messageId).sort());
  });

  it("prints a readable table with a summary by reason, secrets redacted", async () => {
    await arrangeMixedDlq();

    const run = await runCli(["dlq", "list", "--queue", "mixpanel"]);

    expect(run.code).toBe(0);
    const [header, ...rest] = run.stdout.split("\n");
    expect(header).toMatch(/^MESSAGE ID\s+AGE\s+DESTINATION\s+REASON\s+STATUS\s+ATTEMPTS\s+ERROR$/);
    expect(rest.filter((line) => /^[0-9a-f-]{36}\s/.test(line))).toHaveLength(3);
    expect(run.stdout).toMatch(/\s+mixpanel\s+permanent\s+400\s+1\s+mixpanel answered HTTP 400/);
    expect(run.stdout).toMatch(/\s+mixpanel\s+credentials\s+401\s+5\s+/);
    expect(run.stdout).toMatch(/\s+mixpanel\s+receive-limit\s+-\s+5\s+moved by SQS/);
    expect(run.stdout).toContain("3 message(s) in cdp-relay-mixpanel-dlq: ");
    expect(run.stdout).toMatch(/permanent 1/);
    expect(run.stdout).toMatch(/receive-limit 1/);
    expectNoSecrets(run);
  });

  it("stops at --max and leaves every message in place", async () => {
    await arrangeMixedDlq();

    const run = await runCli(["dlq", "list", "--queue", "mixpanel", "--json", "--max", "2"]);

    expect(JSON.parse(run.stdout)).toHaveLength(2);
    expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(3);
  });

  it("says so when the DLQ is empty", async () => {
    const run = await runCli(["dlq", "list", "--queue", "pushwoosh"]);

    expect(run).toEqual({ code: 0, stdout: "cdp-relay-pushwoosh-dlq is empty.\n", stderr: "" });
  });

  it("reads a deployed stack's queue URLs from its CloudFormation outputs", async () => {
    const item = workItemFactory("pushwoosh");
    await parkWorkItem(item);
    const cloudFormation = await startFakeCloudFormation("cdp-relay-prod", {
      [outputKeyForQueue("pushwoosh", false)]: harness().urls.pushwoosh.queue,
      [outputKeyForQueue("pushwoosh", true)]: harness().urls.pushwoosh.dlq,
    });
    process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = cloudFormation.url;
    try {
      const run = await runCli(["dlq", "list", "--queue", "pushwoosh", "--stack", "cdp-relay-prod", "--json"]);
      const missing = await runCli(["dlq", "list", "--queue", "mixpanel", "--stack", "cdp-relay-prod"]);

      expect(run.code).toBe(0);
      expect((JSON.parse(run.stdout) as DlqEntry[]).map((entry) => entry.workItemId)).toEqual([item.workItemId]);
      expect(cloudFormation.requests[0]?.get("Action")).toBe("DescribeStacks");
      expect(cloudFormation.requests[0]?.get("StackName")).toBe("cdp-relay-prod");
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(
        "cdp-relay: stack cdp-relay-prod has no output MixpanelDeadLetterQueueUrl (outputs: PushwooshQueueUrl, PushwooshDeadLetterQueueUrl)\n",
      );
    } finally {
      delete process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
      await cloudFormation.close();
    }
  });
});

describe("dlq show", () => {
  it("prints the full redacted work item and failure record of one message", async () => {
    const { permanent } = await arrangeMixedDlq();
    const entry = (await listJson()).find((candidate) => candidate.workItemId === permanent.workItemId);

    const run = await runCli(["dlq", "show", entry?.messageId ?? "", "--queue", "mixpanel"]);

    expect(run.code).toBe(0);
    const shown = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({
      messageId: entry?.messageId,
      reason: "permanent",
      failure: {
        destination: "mixpanel",
        workItemId: permanent.workItemId,
        reason: "permanent",
        errorClass: "permanent",
        status: 400,
        attempts: 1,
        partnerMessage: '{"error":"event rejected","api_key":"[REDACTED]"}',
      },
      attributes: { destination: "mixpanel", workItemId: permanent.workItemId, correlationId: permanent.correlationId },
      workItem: {
        workItemId: permanent.workItemId,
        destination: "mixpanel",
        events: [
          {
            event: {
              event: "purchase",
              user: { external_user_id: expect.any(String), email: expect.stringContaining("@example.com") },
              // Every account_settings value is redacted (the names stay): the live view and the CLI share one policy.
              account_settings: { apiToken: "[REDACTED]", application: "[REDACTED]" },
              headers: { Authorization: "[REDACTED]" },
              note: 'login with password="[REDACTED]"',
            },
          },
        ],
      },
    });
    expectNoSecrets(run);
    expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(3);
  });

  it("fails with one clear line for a message that is not there", async () => {
    await arrangeMixedDlq();

    const run = await runCli(["dlq", "show", "00000000-0000-0000-0000-000000000000", "--queue", "mixpanel"]);

    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "cdp-relay: message 00000000-0000-0000-0000-000000000000 is not in cdp-relay-mixpanel-dlq (already redriven or purged?)\n",
    });
  });
});

describe("dlq redrive", () => {
  it("falls back to receive/send/delete where StartMessageMoveTask is missing, dropping the park record", async () => {
    const { permanent, credentials, crashed } = await arrangeMixedDlq();

    const run = await runCli(["dlq", "redrive", "--queue", "mixpanel"]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("StartMessageMoveTask is not supported by this SQS endpoint; moving messages one by one.\n");
    expect(run.stdout).toBe("Moved 3 message(s) from cdp-relay-mixpanel-dlq to cdp-relay-mixpanel (receive/send/delete).\n");
    expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(0);
    const resent = await drain(harness().sqs, harness().urls.mixpanel.queue);
    expect(resent.map((message) => JSON.parse(message.Body ?? "")).sort(byWorkItemId)).toEqual([permanent, credentials, crashed].sort(byWorkItemId));
    for (const message of resent) {
      const body = JSON.parse(message.Body ?? "") as { workItemId: string; correlationId: string };
      expect(message.MessageAttributes?.[PARK_ATTRIBUTE]).toBeUndefined();
      expect(message.MessageAttributes?.workItemId?.StringValue).toBe(body.workItemId);
      expect(message.MessageAttributes?.correlationId?.StringValue).toBe(body.correlationId);
      expect(message.MessageAttributes?.destination?.StringValue).toBe("mixpanel");
    }
  });

  it("moves at most --max messages and leaves the rest visible in the DLQ", async () => {
    await arrangeMixedDlq();

    const run = await runCli(["dlq", "redrive", "--queue", "mixpanel", "--max", "1"]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("Moved 1 message(s) from cdp-relay-mixpanel-dlq to cdp-relay-mixpanel (receive/send/delete).\n");
    expect(await depth(harness().sqs, harness().urls.mixpanel.queue)).toBe(1);
    expect(await listJson()).toHaveLength(2);
  });

  it("moves only the messages parked for --reason", async () => {
    const { credentials } = await arrangeMixedDlq();

    const run = await runCli(["dlq", "redrive", "--queue", "mixpanel", "--reason", "credentials"]);

    expect(run.stdout).toBe("Moved 1 message(s) from cdp-relay-mixpanel-dlq to cdp-relay-mixpanel (receive/send/delete).\n");
    const resent = await drain(harness().sqs, harness().urls.mixpanel.queue);
    expect(resent.map((message) => JSON.parse(message.Body ?? "").workItemId)).toEqual([credentials.workItemId]);
    expect((await listJson()).map((entry) => entry.reason).sort()).toEqual(["permanent", "receive-limit"]);
  });

  it("--dry-run shows what would move and moves nothing", async () => {
    await arrangeMixedDlq();

    const table = await runCli(["dlq", "redrive", "--queue", "mixpanel", "--dry-run"]);
    const json = await runCli(["dlq", "redrive", "--queue", "mixpanel", "--dry-run", "--json", "--reason", "receive-limit"]);

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^MESSAGE ID\s+AGE/);
    expect(table.stdout).toContain("Dry run: would move 3 message(s) from cdp-relay-mixpanel-dlq to cdp-relay-mixpanel. Nothing was moved.\n");
    expectNoSecrets(table);
    expect((JSON.parse(json.stdout) as DlqEntry[]).map((entry) => entry.reason)).toEqual(["receive-limit"]);
    expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(3);
    expect(await depth(harness().sqs, harness().urls.mixpanel.queue)).toBe(0);
  });

  it("uses StartMessageMoveTask where the endpoint offers it, from the DLQ ARN to the source queue ARN", async () => {
    await arrangeMixedDlq();
    const proxy = await startMoveTaskProxy(harness().endpoint, harness().sqs);
    process.env.AWS_ENDPOINT_URL_SQS = proxy.url;
    try {
      const run = await runCli(["dlq", "redrive", "--queue", "mixpanel"], { stdoutTty: true });

      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe("\rmoving... 0/3\n" + "Moved 3 message(s) from cdp-relay-mixpanel-dlq to cdp-relay-mixpanel (StartMessageMoveTask).\n");
      const arns = await harness().sqs.send(new GetQueueAttributesCommand({ QueueUrl: harness().urls.mixpanel.queue, AttributeNames: ["QueueArn"] }));
      expect(proxy.startCalls).toEqual([{ SourceArn: "arn:aws:sqs:us-east-1:000000000000:cdp-relay-mixpanel-dlq", DestinationArn: arns.Attributes?.QueueArn }]);
      expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(0);
      expect(await depth(harness().sqs, harness().urls.mixpanel.queue)).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it("never deletes a message whose send failed: it stays in the DLQ and the run exits 1", async () => {
    await arrangeMixedDlq();
    const missingQueue = harness().urls.mixpanel.queue.replace(/cdp-relay-mixpanel$/, "no-such-queue");

    const run = await runCli(["dlq", "redrive", "--queue-url", harness().urls.mixpanel.dlq, "--source-queue-url", missingQueue, "--max", "3"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe("Moved 0 message(s) from cdp-relay-mixpanel-dlq to no-such-queue (receive/send/delete).\n");
    expect(run.stderr).toMatch(/^cdp-relay: 3 message\(s\) could not be sent and stay in cdp-relay-mixpanel-dlq: .+\n$/);
    expect(await listJson()).toHaveLength(3);
  });

  it("redrives a DLQ given by URL to the queue of the same name without -dlq", async () => {
    const item = workItemFactory("pushwoosh");
    await parkWorkItem(item);

    const run = await runCli(["dlq", "redrive", "--queue-url", harness().urls.pushwoosh.dlq]);

    expect(run.stdout).toBe("Moved 1 message(s) from cdp-relay-pushwoosh-dlq to cdp-relay-pushwoosh (receive/send/delete).\n");
    expect((await drain(harness().sqs, harness().urls.pushwoosh.queue)).map((message) => message.Body)).toEqual([JSON.stringify(item)]);
  });
});

describe("dlq purge", () => {
  it("purges at once with --yes", async () => {
    await arrangeMixedDlq();

    const run = await runCli(["dlq", "purge", "--queue", "mixpanel", "--yes"]);

    expect(run).toEqual({ code: 0, stdout: "Purged cdp-relay-mixpanel-dlq: about 3 message(s) deleted.\n", stderr: "" });
    expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(0);
  });

  it("refuses without --yes when stdin is not a terminal", async () => {
    await arrangeMixedDlq();

    const run = await runCli(["dlq", "purge", "--queue", "mixpanel"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^cdp-relay: refusing to purge cdp-relay-mixpanel-dlq without --yes: stdin is not a terminal\n\nUsage:/);
    expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(3);
  });

  it("on a terminal, purges only after the destination name is typed", async () => {
    await arrangeMixedDlq();

    const declined = await runCli(["dlq", "purge", "--queue", "mixpanel"], { stdinTty: true, input: "y\n" });
    const depthAfterDecline = await depth(harness().sqs, harness().urls.mixpanel.dlq);
    const confirmed = await runCli(["dlq", "purge", "--queue", "mixpanel"], { stdinTty: true, input: "mixpanel\n" });

    expect(declined.code).toBe(1);
    expect(declined.stdout).toContain("About to delete about 3 message(s) from cdp-relay-mixpanel-dlq. This cannot be undone.\n");
    expect(declined.stdout).toContain('Type "mixpanel" to confirm: ');
    expect(declined.stderr).toBe("Purge cancelled; nothing was deleted.\n");
    expect(depthAfterDecline).toBe(3);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain("Purged cdp-relay-mixpanel-dlq: about 3 message(s) deleted.\n");
    expect(await depth(harness().sqs, harness().urls.mixpanel.dlq)).toBe(0);
  });
});

function byWorkItemId(a: { workItemId: string }, b: { workItemId: string }): number {
  return a.workItemId.localeCompare(b.workItemId);
}
