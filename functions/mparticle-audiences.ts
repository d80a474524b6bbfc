import { checkPushwooshSettings } from "../shared/flows/mparticleToPushwoosh/settings.js";
import { ingestFirehoseRequest } from "../shared/flows/mparticleRoutes.js";
import { ingestHandler, jsonResponse, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_AUDIENCES_LIMITS } from "../shared/http/limits.js";
import { MPARTICLE_FIREHOSE_AUTH } from "../shared/http/routeAuth.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/** POST /mparticle/audiences: subscriptions become segments, membership changes list-tag edits; what cannot be read is parked, answered all the same. */
export const handler = ingestHandler(
  async (event) => jsonResponse(200, await ingestFirehoseRequest(event.json, "audience_membership_change_request", event.correlationId)),
  { limits: MPARTICLE_AUDIENCES_LIMITS, auth: requireAuthorization(MPARTICLE_FIREHOSE_AUTH) },
);
