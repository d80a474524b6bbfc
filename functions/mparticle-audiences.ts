import { enqueueWorkItems } from "../shared/queue/enqueue.js";
import { ingestHandler, jsonResponse, parseWith, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_AUDIENCES_LIMITS } from "../shared/http/limits.js";
import { audiencesEndpointSchema } from "../shared/sources/mparticle/schema.js";
import {
  audienceMembershipWork,
  audienceSubscriptionWork,
  responseTo,
  workContext,
} from "../shared/sources/mparticle/to-work.js";

/** POST /mparticle/audiences: subscriptions become segments, membership changes list-tag edits. */
export const handler = ingestHandler(async (event) => {
  const request = parseWith(audiencesEndpointSchema, event.json);
  const context = await workContext(event.correlationId);
  const items = request.type === "audience_subscription_request"
    ? audienceSubscriptionWork(request, context)
    : audienceMembershipWork(request, context);
  await enqueueWorkItems(items);
  return jsonResponse(200, responseTo(request));
}, { limits: MPARTICLE_AUDIENCES_LIMITS, auth: requireAuthorization({ scheme: "Token", current: "mparticleToken", previous: "previousMparticleToken" }) });
