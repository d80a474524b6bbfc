import { isConfiguredSecretValue, loadSecrets } from "../../config/secrets.js";
import { SecretNotConfiguredError } from "../../errors.js";
import type { AcceptedWork } from "../../queue/ingest.js";
import { accept, type MparticleAcceptContext } from "./accept.js";
import type { ReadWebhookBody } from "./webhookBatch.js";

/** The mParticle Webhook output's door (docs.mparticle.com/integrations/webhook): its credentials and its answer. */

/** The Authorization value the Webhook output presents (the flows seal what they carry under it). */
export async function inboundWebhookAuthorization(): Promise<string> {
  const value = (await loadSecrets()).inbound.mparticleWebhookAuthorization;
  if (!isConfiguredSecretValue(value)) throw new SecretNotConfiguredError("inbound.mparticleWebhookAuthorization");
  return value;
}

/** The answer to the Webhook output: counts only (mParticle reads nothing but the status). */
export interface WebhookSummary {
  batches: number;
  events: number;
  workItems: number;
  /** Batches and events parked in a DLQ with the reason (they could not be read): answered 200 all the same. */
  parked: number;
  skipped: Record<string, number>;
}

/**
 * The read body → the work for the queue and the DLQ, and the summary (less the work item count, known once
 * enqueued). An event no flow takes (a user with neither customer id nor mpid) is skipped as `no_user_id`. Pure.
 */
export function acceptWebhookBatches(body: ReadWebhookBody, context: MparticleAcceptContext): AcceptedWork & { summary: Omit<WebhookSummary, "workItems"> } {
  const work = accept([...body.batches.map((normalised) => normalised.batch), ...body.rejected], context);
  const taken = new Set(work.workItems.flatMap((item) => item.events.map((event) => event.id)));
  const skipped: Record<string, number> = {};
  for (const normalised of body.batches) {
    for (const [reason, count] of Object.entries(normalised.skipped)) skipped[reason] = (skipped[reason] ?? 0) + count;
    const notTaken = [...normalised.sourceEventIds].filter((id) => !taken.has(id)).length;
    if (notTaken > 0) skipped.no_user_id = (skipped.no_user_id ?? 0) + notTaken;
  }
  const events = body.batches.reduce((sum, normalised) => sum + normalised.events, 0);
  return { ...work, summary: { batches: body.documents, events, parked: body.rejected.length, skipped } };
}
