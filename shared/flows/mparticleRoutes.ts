import { ingestWork } from "../queue/ingest.js";
import { accept, inboundMparticleToken, readFirehoseRequest, reportRejected, type MparticleRoute } from "../sources/mparticle/accept.js";
import type { FirehoseResponse } from "../sources/mparticle/schema.js";
import { pushwooshRoute } from "./mparticleToPushwoosh/route.js";

/** The ingest side of every flow fed by mParticle (Pushwoosh's credentials are sealed under the inbound token). */
export async function mparticleRoutes(): Promise<MparticleRoute[]> {
  return [pushwooshRoute(await inboundMparticleToken())];
}

/**
 * A Firehose request (`requestType`: the endpoint's usual one) → work on the queues, and the answer mParticle
 * expects. What cannot be read is parked with the reason and answered like the rest (mParticle retries only
 * 408, 429 and 5xx). Never calls a partner.
 */
export async function ingestFirehoseRequest(json: unknown, requestType: string, correlationId: string): Promise<FirehoseResponse> {
  const now = new Date();
  const { batches, response } = readFirehoseRequest(json, requestType, now.getTime());
  const accepted = accept(batches, { correlationId, receivedAt: now.toISOString(), routes: await mparticleRoutes() });
  await ingestWork(accepted, now);
  reportRejected(accepted.rejected, correlationId);
  return response;
}
