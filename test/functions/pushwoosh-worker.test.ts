import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { handler } from "../../functions/pushwoosh-worker.js";
import { loadHandler } from "../../infra/local/functions.js";
import type { SqsPoller } from "../../infra/local/poller.js";
import { createPushwooshSandbox, type PushwooshSandbox } from "../../infra/local/sandboxes/pushwoosh.js";
import { sealCredentials } from "../../shared/destinations/pushwoosh/credentials.js";
import type { PushwooshFlowContext } from "../../shared/flows/mparticleToPushwoosh/context.js";
import { enqueueWork } from "../../shared/queue/enqueue.js";
import type { ParkRecord } from "../../shared/queue/park.js";
import type { Device, MparticleEvent } from "../../shared/sources/mparticle/model.js";
import { drainVisible, queueCounts, startEmbeddedSqs, type EmbeddedSqs } from "../support/embeddedSqs.js";
import { waitFor } from "../support/waitFor.js";
import { startWorkerPoller } from "../support/workerPoller.js";
import { MPARTICLE_TOKEN, PUSHWOOSH_CREDENTIALS, useDevelopmentSecrets } from "../shared/sources/mparticle/factories.js";
import { DEVELOPMENT_SECRETS } from "../../infra/local/devSecrets.js";
import { resetSecretsCache } from "../../shared/config/secrets.js";
import { secretsFile } from "../support/secretsFile.js";
import { defined } from "../support/defined.js";

let sequence = 0;
const MS = 1714592744066;

/** Enqueues normalised mParticle events for one user (and device) the way the ingest does; the work item id back. */
async function enqueueEvents(events: MparticleEvent[], options: { userId?: string; device?: Device; secret?: string } = {}): Promise<string> {
  sequence += 1;
  const context: PushwooshFlowContext = {
    credentials: sealCredentials(PUSHWOOSH_CREDENTIALS, options.secret ?? MPARTICLE_TOKEN),
    serverApi: true,
    user: {
      identities: options.userId ? [{ type: "customer", encoding: "raw", value: options.userId }] : [],
      attributes: {},
      attributeLists: {},
      device: options.device ?? { platform: "other" },
    },
  };
  const { messages } = await enqueueWork([
    {
      flow: "mparticle-to-pushwoosh",
      destination: "pushwoosh",
      correlationId: `corr-${sequence}`,
      receivedAt: new Date().toISOString(),
      context,
      events: events.map((event) => ({ id: event.id, event })),
    },
  ]);
  return defined(messages[0]).workItemId;
}

describe("pushwoosh-worker on the embedded SQS", () => {
  let sqs: EmbeddedSqs;
  let sandbox: PushwooshSandbox;
  let poller: SqsPoller;
  const dlq = () => drainVisible(sqs.sqs, sqs.queueUrls.pushwoosh.dlq);

  beforeAll(async () => {
    useDevelopmentSecrets();
    process.env.RETRY_BASE_SECONDS = "0.2";
    sqs = await startEmbeddedSqs();
    sandbox = createPushwooshSandbox({ credentials: PUSHWOOSH_CREDENTIALS });
    process.env.PUSHWOOSH_API_URL = await sandbox.start(0);
    poller = await startWorkerPoller(sqs, "pushwoosh", handler);
  });
  afterEach(async () => {
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrls.pushwoosh.dlq }));
    sandbox.calls.length = 0;
  });
  afterAll(async () => {
    await poller.stop();
    await sandbox.stop();
    await sqs.stop();
    delete process.env.PUSHWOOSH_API_URL;
  });

  it("opens the sealed credentials and makes the exact device API call", async () => {
    await enqueueEvents(
      [
        {
          type: "push_subscription",
          id: "sub-1",
          timestampMs: MS,
          action: "subscribe",
          token: "1111111111111111111111111111111111111111111111111111111111111111",
        },
      ],
      { userId: "u-1", device: { platform: "ios", deviceId: "idfv-1" } },
    );

    const call = await waitFor(() => sandbox.callsTo("/json/1.3/registerDevice")[0], 10_000, "registerDevice");

    expect(call.headers.authorization).toBe("Token device-api-token");
    expect(call.json).toEqual({
      request: {
        application: "ABCDE-12345",
        hwid: "idfv-1",
        push_token: "1111111111111111111111111111111111111111111111111111111111111111",
        device_type: 1,
        userId: "u-1",
      },
    });
    expect(sandbox.devices.get("idfv-1")).toMatchObject({ push_token: "1111111111111111111111111111111111111111111111111111111111111111", userId: "u-1" });
  });

  it("opens credentials the mParticle Webhook door sealed under its Authorization value, with no Firehose token configured", async () => {
    const webhookAuthorization = DEVELOPMENT_SECRETS.inbound.mparticleWebhookAuthorization ?? "";
    process.env.RELAY_SECRETS_FILE = secretsFile({ ...DEVELOPMENT_SECRETS, inbound: { brazeToken: "b", mparticleWebhookAuthorization: webhookAuthorization } });
    resetSecretsCache();
    try {
      await enqueueEvents(
        [
          {
            type: "push_subscription",
            id: "sub-webhook",
            timestampMs: MS,
            action: "subscribe",
            token: "2222222222222222222222222222222222222222222222222222222222222222",
          },
        ],
        { userId: "u-webhook", device: { platform: "ios", deviceId: "idfv-webhook" }, secret: webhookAuthorization },
      );

      await waitFor(() => sandbox.devices.get("idfv-webhook"), 10_000, "registerDevice");
      expect(await dlq()).toEqual([]);
    } finally {
      useDevelopmentSecrets();
    }
  });

  it("parks an argument error (210) at once, with Pushwoosh's message and no credential in the DLQ", async () => {
    const workItemId = await enqueueEvents([{ type: "custom_event", id: "long-1", timestampMs: MS, name: "x".repeat(40), attributes: {} }], { userId: "u" });

    const [parked] = await waitFor(
      async () => {
        const messages = await dlq();
        return messages.length > 0 ? messages : undefined;
      },
      10_000,
      "the DLQ",
    );

    const record = JSON.parse(parked?.MessageAttributes?.failure?.StringValue ?? "{}") as ParkRecord;
    expect(record).toMatchObject({ workItemId, reason: "permanent", attempts: 1, partnerMessage: expect.stringMatching(/longer than 32/) });
    expect(sandbox.callsTo("/json/1.3/postEvent")).toHaveLength(1);
    const everything = JSON.stringify(parked);
    for (const secret of [...Object.values(PUSHWOOSH_CREDENTIALS), MPARTICLE_TOKEN]) expect(everything).not.toContain(secret);
  });

  it("parks an event Pushwoosh does not know as permanent, saying to create it in Events", async () => {
    const workItemId = await enqueueEvents([{ type: "custom_event", id: "unknown-1", timestampMs: MS, name: "Never Created", attributes: {} }], {
      userId: "u",
    });

    const [parked] = await waitFor(
      async () => {
        const messages = await dlq();
        return messages.length > 0 ? messages : undefined;
      },
      10_000,
      "the DLQ",
    );

    const record = JSON.parse(parked?.MessageAttributes?.failure?.StringValue ?? "{}") as ParkRecord;
    expect(record).toMatchObject({ workItemId, reason: "permanent", errorClass: "permanent", attempts: 1 });
    expect(record.message).toContain("event not found in Pushwoosh: create it in Events");
    expect(sandbox.events.some((event) => event.event === "Never Created")).toBe(false);
  });

  it("carries out an erasure: deleteUser removes the user, its tags and devices; a bare device id loses its push token", async () => {
    sandbox.createEvents("Seen");
    await enqueueEvents(
      [
        {
          type: "push_subscription",
          id: "erase-sub",
          timestampMs: MS,
          action: "subscribe",
          token: "3333333333333333333333333333333333333333333333333333333333333333",
        },
        { type: "user_attribute_change", id: "erase-attr", timestampMs: MS, added: { Plan: "gold" }, removed: [] },
      ],
      { userId: "erase-me", device: { platform: "ios", deviceId: "idfv-erase" } },
    );
    await enqueueEvents([{ type: "push_subscription", id: "other-sub", timestampMs: MS, action: "subscribe", token: "android-token" }], {
      device: { platform: "android", deviceId: "android-id-9" },
    });
    await waitFor(
      () => sandbox.tagsOfUser("erase-me") && sandbox.devices.has("idfv-erase") && sandbox.devices.has("android-id-9"),
      10_000,
      "the user and devices",
    );

    await enqueueEvents([
      {
        type: "erasure",
        id: "dsr-1",
        subjectRequestId: "req-1",
        identities: [
          { type: "controller_customer_id", encoding: "raw", value: "erase-me" },
          { type: "android_id", encoding: "raw", value: "android-id-9" },
        ],
      },
    ]);
    await waitFor(
      () => sandbox.calls.some((call) => call.path === "/api/v2/device-api/deleteUser") && sandbox.devices.get("android-id-9")?.push_token === undefined,
      10_000,
      "the erasure",
    );

    const [deleteUser] = sandbox.callsTo("/api/v2/device-api/deleteUser");
    expect(deleteUser?.headers.authorization).toBe("Token device-api-token");
    expect(deleteUser?.json).toEqual({ application: "ABCDE-12345", user_id: "erase-me" });
    expect(deleteUser?.status).toBe(200);
    expect(sandbox.tagsOfUser("erase-me")).toBeUndefined();
    expect(sandbox.devices.has("idfv-erase")).toBe(false);
    // unregisterDevice removes the token only; the device record stays (device API reference).
    expect(sandbox.devices.get("android-id-9")).toMatchObject({ hwid: "android-id-9" });
    expect(await dlq()).toEqual([]);
  });

  it("counts a segment that already exists (a redelivery) as done, not failed", async () => {
    const create: MparticleEvent = { type: "audience_subscription", id: "aud-1", audienceId: 7, audienceName: "Twice", action: "add" };
    await enqueueEvents([create]);
    await waitFor(() => sandbox.filters.has("mParticle: Twice"), 10_000, "the first createFilter");

    await enqueueEvents([create]);
    await waitFor(() => sandbox.callsTo("/json/1.3/createFilter").length === 2, 10_000, "the second createFilter");
    // Done means deleted: the queue empties. A retried item would stay in flight until its retries ran
    // out (a few seconds at base 0.2 s) and leave more calls and a parked copy behind.
    await waitFor(
      async () => {
        const counts = await queueCounts(sqs.sqs, sqs.queueUrls.pushwoosh.queue);
        return counts.visible + counts.inFlight + counts.delayed === 0;
      },
      20_000,
      "the pushwoosh queue empty",
    );

    expect(sandbox.callsTo("/json/1.3/createFilter")).toHaveLength(2);
    expect(await queueCounts(sqs.sqs, sqs.queueUrls.pushwoosh.dlq)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(sandbox.filters.get("mParticle: Twice")?.filter_expression).toBe('A("ABCDE-12345") * T("mParticle Audiences", IN, ["Twice"])');
  });

  it("retries a 503 and then delivers", async () => {
    sandbox.injectFaults({ kind: "status", status: 503 });
    await enqueueEvents([{ type: "user_attribute_change", id: "attr-1", timestampMs: MS, added: { Plan: "gold" }, removed: [] }], { userId: "retry-user" });

    await waitFor(() => sandbox.tagsOfUser("retry-user"), 15_000, "the retried setTags");

    expect(sandbox.callsTo("/json/1.3/setTags").map((call) => call.status)).toEqual([503, 200]);
  });

  it("parks items sealed under another inbound token, saying the token may have rotated", async () => {
    await enqueueEvents([{ type: "uninstall", id: "bye-1", timestampMs: MS }], { device: { platform: "android", deviceId: "h" }, secret: "a-rotated-token" });

    const [parked] = await waitFor(
      async () => {
        const messages = await dlq();
        return messages.length > 0 ? messages : undefined;
      },
      10_000,
      "the DLQ",
    );

    expect(JSON.parse(parked?.MessageAttributes?.failure?.StringValue ?? "{}")).toMatchObject({
      reason: "permanent",
      message: expect.stringMatching(/rotated/),
    });
    expect(sandbox.callsTo("/json/1.3/unregisterDevice")).toHaveLength(0);
  });

  it.each([
    ["invalid JSON", "{Score: decimal}", "PUSHWOOSH_TAG_TYPES is not valid JSON"],
    ["an unknown type", '{"Score":"float"}', 'PUSHWOOSH_TAG_TYPES: tag "Score" has type "float"'],
  ])("fails its cold start on a PUSHWOOSH_TAG_TYPES with %s, naming the setting", async (_label, value, message) => {
    process.env.PUSHWOOSH_TAG_TYPES = value;
    try {
      // A fresh module instance: a new execution environment loading the function.
      await expect(loadHandler("pushwoosh-worker", 900 + value.length)).rejects.toThrow(message);
    } finally {
      delete process.env.PUSHWOOSH_TAG_TYPES;
    }
  });
});
