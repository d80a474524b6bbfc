import { loadSecrets } from "../../config/secrets.js";
import type { Destination } from "../../queue/definition.js";
import type { AcceptedWork } from "../../queue/ingest.js";
import type { WorkBatch } from "../../queue/workItem.js";
import type { Device, MparticleEvent, NormalisedBatch, Platform } from "./model.js";
import type {
  AudienceMembershipChangeRequest,
  AudienceSubscriptionRequest,
  DsrProcessingRequest,
  EventProcessingRequest,
  FirehoseResponse,
  Identity,
  RuntimeEnvironment,
} from "./schema.js";

/** The token mParticle presents on events and audiences. */
export async function inboundMparticleToken(): Promise<string> {
  return (await loadSecrets()).inbound.mparticleToken;
}

/** The matching `*_response`, with the request's id and version. */
export function responseTo(request: { type: string; id: string; firehose_version: string }, now = Date.now()): FirehoseResponse {
  return { type: request.type.replace(/_request$/, "_response"), id: request.id, timestamp_ms: now, firehose_version: request.firehose_version };
}

function rawIdentity(identities: Identity[], type: string): string | undefined {
  return identities.find((identity) => identity.type === type && identity.encoding === "raw" && identity.value !== "")?.value;
}

const PLATFORMS: Record<string, Platform> = { ios: "ios", android: "android", mobileweb: "web" };

function deviceOf(environment: RuntimeEnvironment): Device {
  const platform = PLATFORMS[environment.type] ?? "other";
  const ids = environment.identities;
  const apns = rawIdentity(ids, "apple_push_notification_token");
  const fcm = rawIdentity(ids, "google_cloud_messaging_token");
  const token = apns ? { value: apns, kind: "apns" as const }
    : fcm ? { value: fcm, kind: "fcm" as const }
    : environment.push_token ? { value: environment.push_token, kind: "web" as const }
    : undefined;
  const deviceId = platform === "ios" ? rawIdentity(ids, "ios_vendor_id") : platform === "android" ? rawIdentity(ids, "android_id") : undefined;
  return {
    platform,
    ...(deviceId ? { deviceId } : {}),
    ...(token ? { token } : {}),
    ...(environment.http_header_user_agent !== undefined ? { userAgent: environment.http_header_user_agent } : {}),
    ...(environment.timezone_offset !== undefined ? { timezoneSeconds: Math.round(environment.timezone_offset * 3600) } : {}),
    ...(environment.locale_language ? { language: environment.locale_language } : {}),
  };
}

/** A Firehose event batch in the normalised model. A heartbeat (no events) normalises to no events. */
export function normaliseEventProcessing(request: EventProcessingRequest): NormalisedBatch {
  const device = deviceOf(request.runtime_environment);
  const events: MparticleEvent[] = [];
  for (const event of request.events) {
    const timed = { id: event.id, timestampMs: event.timestamp_ms };
    switch (event.type) {
      case "custom_event":
        events.push({ ...timed, type: "custom_event", name: event.name, attributes: event.attributes });
        break;
      case "screen_view":
        events.push({ ...timed, type: "screen_view", screenName: event.screen_name, attributes: event.attributes });
        break;
      case "user_attribute_change":
        events.push({ ...timed, type: "user_attribute_change", added: event.added, removed: Object.keys(event.removed) });
        break;
      case "push_subscription":
        events.push({ ...timed, type: "push_subscription", action: event.action, token: event.token });
        break;
      default:
        break;
    }
  }
  // The runtime environment's push token is news about the device whenever the batch has events.
  if (request.events.length > 0 && device.token) events.push({ id: `${request.id}/device`, type: "device_state" });
  const user = {
    ...(request.mpid ? { mpid: request.mpid } : {}),
    identities: request.user_identities,
    attributes: request.user_attributes,
    attributeLists: request.user_attribute_lists,
    device,
  };
  return { requestId: request.id, events, user, accountSettings: request.account.account_settings };
}

/**
 * A data subject request in the normalised model: an erasure carries the subject's raw identities; any other
 * type (the SDK knows none) normalises to no events and is only answered.
 */
export function normaliseDsrProcessing(request: DsrProcessingRequest): NormalisedBatch {
  const identities = Object.entries(request.subject_identities)
    .filter(([, identity]) => identity.encoding === "raw" && identity.value.trim() !== "")
    .map(([type, identity]) => ({ type, encoding: "raw" as const, value: identity.value }));
  const events: MparticleEvent[] = request.subject_request_type === "erasure"
    ? [{ id: request.id, type: "erasure", subjectRequestId: request.subject_request_id, identities }]
    : [];
  return { requestId: request.id, events, accountSettings: request.account?.account_settings ?? {} };
}

export function normaliseAudienceSubscription(request: AudienceSubscriptionRequest): NormalisedBatch {
  return {
    requestId: request.id,
    events: [{ id: request.id, type: "audience_subscription", audienceId: request.audience_id, audienceName: request.audience_name, action: request.action }],
    accountSettings: request.account.account_settings,
  };
}

export function normaliseAudienceMembership(request: AudienceMembershipChangeRequest): NormalisedBatch {
  const events: MparticleEvent[] = request.user_profiles.map((profile, index) => ({
    id: `${request.id}/${index}`,
    type: "audience_membership",
    ...(profile.mpid ? { mpid: profile.mpid } : {}),
    identities: profile.user_identities,
    audiences: profile.audiences.map((audience) => ({
      audienceName: audience.audience_name,
      action: audience.action,
      attributes: audience.user_attributes.map((attribute) => ({
        key: attribute.key,
        action: attribute.action,
        ...(attribute.value !== undefined ? { value: attribute.value } : {}),
        ...(attribute.list_value !== undefined ? { listValue: attribute.list_value } : {}),
      })),
    })),
  }));
  return { requestId: request.id, events, accountSettings: request.account.account_settings };
}

/** A flow's ingest side: the events of the batch it takes and what it needs to deliver them; undefined for none. */
export type MparticleRoute = (batch: NormalisedBatch) => { flow: string; destination: Destination; context?: unknown; events: MparticleEvent[] } | undefined;

export interface MparticleAcceptContext {
  correlationId: string;
  receivedAt: string;
  routes: MparticleRoute[];
}

/** A normalised batch → one work batch per route that takes any of its events. Pure. */
export function accept(batch: NormalisedBatch, context: MparticleAcceptContext): AcceptedWork & { summary: { events: number } } {
  const workItems: WorkBatch[] = [];
  for (const route of context.routes) {
    const routed = route(batch);
    if (!routed || routed.events.length === 0) continue;
    workItems.push({
      flow: routed.flow,
      destination: routed.destination,
      correlationId: context.correlationId,
      receivedAt: context.receivedAt,
      ...(routed.context === undefined ? {} : { context: routed.context }),
      events: routed.events.map((event) => ({ id: event.id, event })),
    });
  }
  return { workItems, rejected: [], summary: { events: batch.events.length } };
}
