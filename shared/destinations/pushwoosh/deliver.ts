import { isConfiguredSecretValue, loadSecrets } from "../../config/secrets.js";
import { toRelayError } from "../../errors.js";
import type { DeliveryItem, DeliveryOutcome, DestinationWorker } from "../../queue/worker.js";
import { logger } from "../../observability.js";
import { sendPushwooshCall } from "./client.js";
import { openCredentials } from "./credentials.js";
import { pushwooshPayloadSchema, type PushwooshMethod, type PushwooshPayload } from "./schema.js";

// SQS delivers at least once: a segment created (or deleted) by an earlier receive is done, not failed.
const ALREADY_DONE: Partial<Record<PushwooshMethod, RegExp>> = {
  createFilter: /already exists/i,
  deleteFilter: /not found|does not exist/i,
};

async function deliverOne(item: DeliveryItem<PushwooshPayload>, secrets: readonly string[]): Promise<DeliveryOutcome> {
  const { call } = item.workItem.payload;
  try {
    const credentials = openCredentials(item.workItem.payload.credentials, ...secrets);
    await sendPushwooshCall(call, credentials);
    return { kind: "delivered" };
  } catch (thrown) {
    const error = toRelayError(thrown);
    const done = ALREADY_DONE[call.method];
    if (error.errorClass === "permanent" && done && error.partnerMessage && done.test(error.partnerMessage)) {
      logger.info("Pushwoosh says this was already done", { workItemId: item.workItem.workItemId, method: call.method });
      return { kind: "skipped", reason: `${call.method}-already-done` };
    }
    return { kind: "failed", error };
  }
}

/** The pushwoosh queue's worker: each item is one API call; a batch's calls run side by side. */
export const pushwooshWorker: DestinationWorker<PushwooshPayload> = {
  destination: "pushwoosh",
  payloadSchema: pushwooshPayloadSchema,
  async deliver(items) {
    const { inbound } = await loadSecrets();
    // Items sealed before a rotation open with the previous token until it is removed.
    const secrets = [inbound.mparticleToken, inbound.previousMparticleToken].filter(isConfiguredSecretValue);
    const outcomes = await Promise.all(items.map(async (item) => [item.messageId, await deliverOne(item, secrets)] as const));
    return new Map(outcomes);
  },
};
