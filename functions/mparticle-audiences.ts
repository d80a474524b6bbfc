import { checkPushwooshSettings } from "../shared/config/settings.js";
import { mparticleRoutes } from "../shared/flows/mparticleRoutes.js";
import { ingestHandler, jsonResponse, parseWith, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_AUDIENCES_LIMITS } from "../shared/http/limits.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { accept, normaliseAudienceMembership, normaliseAudienceSubscription, responseTo } from "../shared/sources/mparticle/accept.js";
import { audiencesEndpointSchema } from "../shared/sources/mparticle/schema.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/** POST /mparticle/audiences: subscriptions become segments, membership changes list-tag edits. */
export const handler = ingestHandler(async (event) => {
  const request = parseWith(audiencesEndpointSchema, event.json);
  const batch = request.type === "audience_subscription_request" ? normaliseAudienceSubscription(request) : normaliseAudienceMembership(request);
  await ingestWork(accept(batch, { correlationId: event.correlationId, receivedAt: new Date().toISOString(), routes: await mparticleRoutes() }));
  return jsonResponse(200, responseTo(request));
}, { limits: MPARTICLE_AUDIENCES_LIMITS, auth: requireAuthorization({ scheme: "Token", current: "mparticleToken", previous: "previousMparticleToken" }) });
