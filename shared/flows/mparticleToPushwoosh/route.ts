import { sealCredentials } from "../../destinations/pushwoosh/credentials.js";
import type { PushwooshCredentials } from "../../destinations/pushwoosh/credentials.js";
import { ValidationError } from "../../errors.js";
import { logger } from "../../observability.js";
import type { MparticleRoute } from "../../sources/mparticle/accept.js";
import type { MparticleEvent, MparticleEventOf, NormalisedBatch } from "../../sources/mparticle/model.js";
import type { Identity } from "../../sources/mparticle/schema.js";
import { FLOW, count, type PushwooshFlowContext } from "./context.js";
import { pushwooshMappingSettings, type PushwooshMappingSettings } from "./settings.js";
import { userIdOf } from "./users.js";

// Ingest side: which events go to Pushwoosh, and the sealed credentials they need.

function credentialsFrom(settings: Record<string, string>): PushwooshCredentials {
  const value = (id: string) => settings[id]?.trim() || undefined;
  const applicationCode = value("applicationCode");
  const apiToken = value("apiToken");
  if (!applicationCode)
    throw new ValidationError("account.account_settings.applicationCode is required", { field: "account.account_settings.applicationCode" });
  if (!apiToken) throw new ValidationError("account.account_settings.apiToken is required", { field: "account.account_settings.apiToken" });
  const serverApiToken = value("serverApiToken");
  return serverApiToken ? { applicationCode, apiToken, serverApiToken } : { applicationCode, apiToken };
}

/** Whether an event other than a membership change or an erasure (those have their own checks) goes to Pushwoosh. */
function takesEvent(event: Exclude<MparticleEvent, MparticleEventOf<"audience_membership" | "erasure">>, hasUser: boolean): boolean {
  switch (event.type) {
    case "custom_event":
    case "screen_view":
    case "user_attribute_change":
    case "user_attributes":
      return hasUser;
    case "uninstall":
    case "push_subscription":
    case "device_state":
    case "audience_subscription":
    case "raw_document":
      return true;
  }
}

/** Why an erasure is answered but not carried out: logged and counted (metric `erasureNotCarriedOut`, dimension `reason`). */
export const ERASURE_REASONS = {
  noIdentity: "erasure has no identity Pushwoosh can act on",
  noSettings: "erasure without Pushwoosh account settings",
} as const;

/** Identity types of an erasure that name a Pushwoosh device here: the hwids this flow registers. */
const ERASURE_DEVICE_IDENTITIES = ["ios_vendor_id", "android_id"];

/** The Pushwoosh user id and hwids an erasure reaches (see docs/flows/mparticle-to-pushwoosh.md#erasure). */
export function erasureTargets(identities: Identity[], settings: PushwooshMappingSettings): { userId?: string; hwids: string[] } {
  const raw = (type: string) =>
    identities.filter((identity) => identity.type === type && identity.encoding === "raw" && identity.value.trim() !== "").map((identity) => identity.value);
  // The connector's user id is the customer id only under PUSHWOOSH_USER_ID=customer; an erasure carries no mpid.
  const userId = settings.userId === "customer" ? raw("controller_customer_id")[0] : undefined;
  const hwids = [...new Set(ERASURE_DEVICE_IDENTITIES.flatMap(raw))];
  return { ...(userId ? { userId } : {}), hwids };
}

function hasErasureTarget(event: MparticleEventOf<"erasure">, batch: NormalisedBatch, settings: PushwooshMappingSettings, checkSettings: boolean): boolean {
  const targets = erasureTargets(event.identities, settings);
  let reason: string | undefined;
  if (!targets.userId && targets.hwids.length === 0) reason = ERASURE_REASONS.noIdentity;
  else if (checkSettings && (!batch.accountSettings.applicationCode?.trim() || !batch.accountSettings.apiToken?.trim())) reason = ERASURE_REASONS.noSettings;
  if (reason === undefined) return true;
  logger.warn("erasure answered, not carried out", { requestId: batch.requestId, subjectRequestId: event.subjectRequestId, reason });
  count("erasureNotCarriedOut", reason);
  return false;
}

function hasMembershipChange(event: MparticleEventOf<"audience_membership">, settings: PushwooshMappingSettings): boolean {
  if (!userIdOf(event.identities, event.mpid, settings.userId)) {
    logger.warn("user profile has no customer id or mpid; its membership is not sent", { eventId: event.id });
    return false;
  }
  return event.audiences.some((audience) => audience.action !== "attribute_update" || audience.attributes.length > 0);
}

/**
 * The events of a batch Pushwoosh takes, plus one `user_attributes` event when the batch carries the user's
 * attributes: every batch carries them all, changed or not, eventless batches too (mParticle's Webhook sends
 * those by default, the Firehose when the module asks for them), so they become one setTags. A heartbeat
 * (no events, no attributes) takes nothing. `checkErasureSettings`: at ingest an erasure needs the account's
 * settings; a re-normalised parked document has them sealed in its work item instead.
 */
export function routedEvents(batch: NormalisedBatch, settings: PushwooshMappingSettings, checkErasureSettings = true): MparticleEvent[] {
  const hasUser = batch.user ? userIdOf(batch.user.identities, batch.user.mpid, settings.userId) !== undefined : false;
  if (batch.user && !hasUser && batch.events.length > 0) {
    logger.warn("batch has no customer id or mpid; its tags and events are not sent", { requestId: batch.requestId });
  }
  const events = batch.events.filter((event) =>
    event.type === "audience_membership"
      ? hasMembershipChange(event, settings)
      : event.type === "erasure"
        ? hasErasureTarget(event, batch, settings, checkErasureSettings)
        : takesEvent(event, hasUser),
  );
  const { user } = batch;
  if (hasUser && user && Object.keys(user.attributes).length + Object.keys(user.attributeLists).length > 0) {
    events.push({ id: `${batch.requestId}/attributes`, type: "user_attributes" });
  }
  return events;
}

/**
 * The route of this flow: the events Pushwoosh takes, and the context they need (credentials sealed
 * under the inbound mParticle token). Without credentials in the account settings the events are
 * returned with the error naming the missing setting, to be parked.
 */
export function pushwooshRoute(secret: string, settings = pushwooshMappingSettings()): MparticleRoute {
  return (batch: NormalisedBatch) => {
    const events = routedEvents(batch, settings);
    if (events.length === 0) return undefined;
    let credentials: PushwooshCredentials;
    try {
      credentials = credentialsFrom(batch.accountSettings);
    } catch (error) {
      return { flow: FLOW, destination: "pushwoosh", events, error: error as ValidationError };
    }
    if (events.some((event) => event.type === "audience_subscription") && !credentials.serverApiToken) {
      logger.info("no Pushwoosh server API token: the audience's segment is not managed", { requestId: batch.requestId });
      return undefined;
    }
    const context: PushwooshFlowContext = {
      credentials: sealCredentials(credentials, secret),
      serverApi: credentials.serverApiToken !== undefined,
      ...(batch.user ? { user: batch.user } : {}),
    };
    return { flow: FLOW, destination: "pushwoosh", context, events };
  };
}
