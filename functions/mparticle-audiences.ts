import { checkPushwooshSettings } from "../shared/flows/mparticleToPushwoosh/settings.js";
import { mparticleRoutes } from "../shared/flows/mparticleRoutes.js";
import { ingestHandler, jsonResponse, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_AUDIENCES_LIMITS } from "../shared/http/limits.js";
import { MPARTICLE_FIREHOSE_AUTH } from "../shared/http/routeAuth.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { accept, readFirehoseRequest, reportRejected } from "../shared/sources/mparticle/accept.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/** POST /mparticle/audiences: subscriptions become segments, membership changes list-tag edits; what cannot be read is parked, answered all the same. */
export const handler = ingestHandler(async (event) => {
  const now = new Date();
  const { batches, response } = readFirehoseRequest(event.json, "audience_membership_change_request", now.getTime());
  const accepted = accept(batches, { correlationId: event.correlationId, receivedAt: now.toISOString(), routes: await mparticleRoutes() });
  await ingestWork(accepted, now);
  reportRejected(accepted.rejected, event.correlationId);
  return jsonResponse(200, response);
}, { limits: MPARTICLE_AUDIENCES_LIMITS, auth: requireAuthorization(MPARTICLE_FIREHOSE_AUTH) });
