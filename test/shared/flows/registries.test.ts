import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEVELOPMENT_SECRETS } from "../../../infra/local/devSecrets.js";
import { resetSecretsCache } from "../../../shared/config/secrets.js";
import { openCredentials } from "../../../shared/destinations/pushwoosh/credentials.js";
import { mixpanelWorker } from "../../../shared/flows/mixpanelWorker.js";
import { mparticleRoutes } from "../../../shared/flows/mparticleRoutes.js";
import { mparticleWebhookRoutes } from "../../../shared/flows/mparticleWebhookRoutes.js";
import { mparticleWorker } from "../../../shared/flows/mparticleWorker.js";
import { pushwooshWorker } from "../../../shared/flows/pushwooshWorker.js";
import { contextSchema } from "../../../shared/flows/mparticleToPushwoosh/context.js";
import { eventKey, type WorkerMessage } from "../../../shared/queue/workerMessage.js";
import type { NormalisedBatch } from "../../../shared/sources/mparticle/model.js";
import { secretsFile } from "../../support/secretsFile.js";

const ACCOUNT = { applicationCode: "ABCDE-12345", apiToken: "device-api-token" };
const BATCH: NormalisedBatch = { requestId: "r-1", events: [{ id: "u-1", type: "uninstall", timestampMs: 1 }], accountSettings: ACCOUNT };

describe("the flow registry", () => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.RELAY_SECRETS_FILE;
    process.env.RELAY_SECRETS_FILE = secretsFile(DEVELOPMENT_SECRETS);
    resetSecretsCache();
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RELAY_SECRETS_FILE;
    else process.env.RELAY_SECRETS_FILE = saved;
    resetSecretsCache();
  });

  it.each([
    ["Firehose", mparticleRoutes, DEVELOPMENT_SECRETS.inbound.mparticleToken],
    ["Webhook", mparticleWebhookRoutes, DEVELOPMENT_SECRETS.inbound.mparticleWebhookAuthorization],
  ] as const)("routes mParticle's %s requests to Pushwoosh, sealing the credentials under that door's inbound secret", async (_door, routes, secret) => {
    const [route, ...others] = await routes();

    const work = route?.(BATCH);

    expect(others).toEqual([]);
    expect(work).toMatchObject({ flow: "mparticle-to-pushwoosh", destination: "pushwoosh" });
    expect(openCredentials(contextSchema.parse(work?.context).credentials, String(secret))).toEqual(ACCOUNT);
  });

  it("gives each destination queue its own worker, running the flow that feeds it", async () => {
    // Events each flow maps to nothing (Braze events without a user; an erasure without identities), so nothing is sent.
    const braze = { event_type: "users.canvas.Entry", id: "e-1", time: 1767225600, user: {}, properties: {} };
    const erasure = { id: "x-1", type: "erasure", subjectRequestId: "s", identities: [] };
    const message = (flow: string, destination: "mparticle" | "mixpanel" | "pushwoosh", event: unknown, context?: unknown): WorkerMessage => ({
      messageId: "m1",
      attempt: 1,
      workItem: {
        workItemId: "w1",
        flow,
        destination,
        correlationId: "c",
        receivedAt: "2026-01-01T00:00:00.000Z",
        priorAttempts: 0,
        context,
        events: [{ id: "e-1", event }],
      },
    });
    const skipped = { kind: "skipped", reason: "nothing-to-send" };

    expect([mparticleWorker.destination, mixpanelWorker.destination, pushwooshWorker.destination]).toEqual(["mparticle", "mixpanel", "pushwoosh"]);
    expect((await mparticleWorker.deliver([message("braze-to-mparticle", "mparticle", braze)])).get(eventKey("m1", "e-1"))).toEqual(skipped);
    expect((await mixpanelWorker.deliver([message("braze-to-mixpanel", "mixpanel", braze)])).get(eventKey("m1", "e-1"))).toEqual(skipped);
    const pushwoosh = message("mparticle-to-pushwoosh", "pushwoosh", { ...erasure, id: "e-1" }, { credentials: "sealed", serverApi: false });
    expect((await pushwooshWorker.deliver([pushwoosh])).get(eventKey("m1", "e-1"))).toEqual(skipped);
  });
});
