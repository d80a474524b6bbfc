import type * as z from "../../zod.js";
import { loadSecrets } from "../../config/secrets.js";
import type { Destination } from "../../queue/definition.js";
import { logger } from "../../observability.js";
import type { AcceptedWork, RejectedWork } from "../../queue/ingest.js";
import type { WorkBatch } from "../../queue/workItem.js";
import { hash } from "node:crypto";
import { validationErrorOf, type ValidationError } from "../../errors.js";
import { schemaOnly, type FastReader } from "../../jsonShape.js";
import { readEventProcessingRequest, readUsedEvent } from "./firehoseReader.js";
import { normalisePushToken, type Device, type Door, type EventFailure, type MparticleEvent, type NormalisedBatch, type Platform } from "./model.js";
import {
  firehoseRequestSchema,
  USED_EVENT_SCHEMAS,
  type AudienceMembershipChangeRequest,
  type AudienceSubscriptionRequest,
  type DsrProcessingRequest,
  type EventProcessingRequest,
  type FirehoseRequest,
  type FirehoseResponse,
  type Identity,
  type MparticleEvent as UsedEvent,
  type RuntimeEnvironment,
} from "./schema.js";

/** The token mParticle presents on events and audiences. */
export async function inboundMparticleToken(): Promise<string> {
  return (await loadSecrets()).inbound.mparticleToken;
}

const REQUEST_SUFFIX = /_request$/;

/** The matching `*_response`, with the request's id and version. */
export function responseTo(request: { type: string; id: string; firehose_version: string }, now = Date.now()): FirehoseResponse {
  return { type: request.type.replace(REQUEST_SUFFIX, "_response"), id: request.id, timestamp_ms: now, firehose_version: request.firehose_version };
}

function rawIdentity(identities: Identity[], type: string): string | undefined {
  return identities.find((identity) => identity.type === type && identity.encoding === "raw" && identity.value !== "")?.value;
}

const PLATFORMS: Record<string, Platform> = { ios: "ios", android: "android", mobileweb: "web" };

function deviceOf(environment: RuntimeEnvironment): Device {
  const platform = PLATFORMS[environment.type] ?? "other";
  const ids = environment.identities;
  const apnsIdentity = rawIdentity(ids, "apple_push_notification_token");
  const apns = apnsIdentity === undefined ? undefined : normalisePushToken(apnsIdentity);
  const fcm = rawIdentity(ids, "google_cloud_messaging_token");
  const token = apns
    ? { value: apns, kind: "apns" as const }
    : fcm
      ? { value: fcm, kind: "fcm" as const }
      : environment.push_token
        ? { value: environment.push_token, kind: "web" as const }
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

/** One Firehose event as the model has it; undefined for a type the relay does not read. Throws the ZodError of a used type's schema. */
function normaliseEvent(raw: unknown, usualEvent: FastReader<UsedEvent>): MparticleEvent | undefined {
  const type = typeof raw === "object" && raw !== null ? (raw as { type?: unknown }).type : undefined;
  const schema = typeof type === "string" && Object.hasOwn(USED_EVENT_SCHEMAS, type) ? USED_EVENT_SCHEMAS[type as keyof typeof USED_EVENT_SCHEMAS] : undefined;
  if (!schema) return undefined;
  const event = usualEvent(raw) ?? schema.parse(raw);
  const timed = { id: event.id, timestampMs: event.timestamp_ms };
  switch (event.type) {
    case "custom_event":
      return { ...timed, type: "custom_event", name: event.name, attributes: event.attributes };
    case "screen_view":
      return { ...timed, type: "screen_view", ...(event.screen_name ? { screenName: event.screen_name } : {}), attributes: event.attributes };
    case "user_attribute_change":
      return { ...timed, type: "user_attribute_change", added: event.added, removed: Object.keys(event.removed) };
    case "push_subscription":
      return { ...timed, type: "push_subscription", action: event.action, token: normalisePushToken(event.token) };
  }
}

/**
 * A Firehose event batch in the normalised model, and the events that failed their type's schema (each
 * parked alone). Event types the relay does not read are skipped. A heartbeat (no events, no attributes)
 * normalises to no events.
 */
export function normaliseEventProcessing(
  request: EventProcessingRequest,
  usualEvent: FastReader<UsedEvent> = schemaOnly,
): NormalisedBatch & { failures: EventFailure[] } {
  const device = deviceOf(request.runtime_environment);
  const events: MparticleEvent[] = [];
  const failures: EventFailure[] = [];
  request.events.forEach((raw, index) => {
    try {
      const event = normaliseEvent(raw, usualEvent);
      if (event) events.push(event);
    } catch (error) {
      failures.push({ index, error: validationErrorOf(error as z.core.$ZodError, ["events", index]) });
    }
  });
  // The runtime environment's push token is news about the device whenever the batch has events.
  if (request.events.length > 0 && device.token) events.push({ id: `${request.id}/device`, type: "device_state" });
  const user = {
    ...(request.mpid ? { mpid: request.mpid } : {}),
    identities: request.user_identities,
    attributes: request.user_attributes,
    attributeLists: request.user_attribute_lists,
    device,
  };
  return { requestId: request.id, events, user, accountSettings: request.account.account_settings, failures };
}

/**
 * A data subject request in the normalised model: an erasure carries the subject's raw identities; any other
 * type (the SDK knows none) normalises to no events and is only answered.
 */
export function normaliseDsrProcessing(request: DsrProcessingRequest): NormalisedBatch {
  const identities = Object.entries(request.subject_identities)
    .filter(([, identity]) => identity.encoding === "raw" && identity.value.trim() !== "")
    .map(([type, identity]) => ({ type, encoding: "raw" as const, value: identity.value }));
  const events: MparticleEvent[] =
    request.subject_request_type === "erasure" ? [{ id: request.id, type: "erasure", subjectRequestId: request.subject_request_id, identities }] : [];
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

/** A Firehose message in the normalised model, with the events that failed (an event batch's only). */
export function normaliseFirehoseRequest(
  request: FirehoseRequest,
  usualEvent: FastReader<UsedEvent> = schemaOnly,
): NormalisedBatch & { failures: EventFailure[] } {
  switch (request.type) {
    case "event_processing_request":
      return normaliseEventProcessing(request, usualEvent);
    case "dsr_processing_request":
      return { ...normaliseDsrProcessing(request), failures: [] };
    case "audience_subscription_request":
      return { ...normaliseAudienceSubscription(request), failures: [] };
    case "audience_membership_change_request":
      return { ...normaliseAudienceMembership(request), failures: [] };
  }
}

/**
 * A batch of one `raw_document` event: what could not be normalised, kept whole with the reason, to be
 * parked for the destinations the routes name (and normalised again by the worker after a redrive).
 */
export function rawDocumentBatch(door: Door, id: string, document: unknown, error: ValidationError, accountSettings: Record<string, string>): NormalisedBatch {
  return { requestId: id, events: [{ id, type: "raw_document", door, document }], accountSettings, rejection: error };
}

/** A stable id for a document that has none of its own: the same document parks under the same id. */
export function documentKey(document: unknown): string {
  return textKey(JSON.stringify(document) ?? "");
}

/** `documentKey` of JSON text as it came: 32 hex digits of its SHA-256. */
export function textKey(text: string): string {
  return hash("sha256", text, "hex").slice(0, 32);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The account settings a message carries, as far as they can be read (the customer's credentials for the module among them). */
function readableAccountSettings(message: Record<string, unknown> | undefined): Record<string, string> {
  const settings = record(record(message?.account)?.account_settings) ?? {};
  return Object.fromEntries(Object.entries(settings).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/** The message without its account settings' values: they hold the customer's credentials, never written to a DLQ. */
function withoutAccountSettings(message: Record<string, unknown>): Record<string, unknown> {
  const account = record(message.account);
  return account && "account_settings" in account ? { ...message, account: { ...account, account_settings: {} } } : message;
}

/** A readable string field of a message, for the answer. */
function stringField(message: Record<string, unknown> | undefined, field: string): string | undefined {
  const value = message?.[field];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * A Firehose POST body → its normalised batches (events that failed and messages that could not be read
 * become `raw_document` batches, parked with the reason) and the answer mParticle expects: the request's
 * `*_response`, also for what is parked, because mParticle retries only 408, 429 and 5xx and any other
 * status would lose the message (docs.mparticle.com/developers/partners/firehose). `fallbackType` is the
 * endpoint's usual request type, for the answer to a message without a readable type.
 */
export function readFirehoseRequest(json: unknown, fallbackType: string, now = Date.now()): { batches: NormalisedBatch[]; response: FirehoseResponse } {
  const message = record(json);
  const response = responseTo(
    {
      type: requestType(stringField(message, "type")) ?? fallbackType,
      id: stringField(message, "id") ?? "",
      firehose_version: stringField(message, "firehose_version") ?? FIREHOSE_VERSION,
    },
    now,
  );
  const usual = readEventProcessingRequest(json);
  const parsed = usual ? { success: true as const, data: usual } : firehoseRequestSchema.safeParse(json);
  if (!parsed.success) {
    const id = stringField(message, "id") ?? documentKey(json);
    const document = message ? withoutAccountSettings(message) : json;
    return { batches: [rawDocumentBatch("firehose", id, document, validationErrorOf(parsed.error), readableAccountSettings(message))], response };
  }
  const { failures, ...batch } = normaliseFirehoseRequest(parsed.data, readUsedEvent);
  // A request that parses is an object, so `message` is defined.
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
  const redacted = withoutAccountSettings(message!);
  const rejected = failures.map(({ index, error }) => {
    const event = (parsed.data as EventProcessingRequest).events[index];
    const id = stringField(record(event), "id") ?? `${parsed.data.id}/events/${index}`;
    return rawDocumentBatch("firehose", id, { ...redacted, events: [event] }, error, batch.accountSettings);
  });
  return { batches: [batch, ...rejected], response };
}

const REQUEST_TYPE = /^[a-z_]+_request$/;

/** A request's type as the answer can name it: `*_request`, else none. */
function requestType(type: string | undefined): string | undefined {
  return type !== undefined && REQUEST_TYPE.test(type) ? type : undefined;
}

/** The version an answer names when the request names none readable. */
const FIREHOSE_VERSION = "2.0";

/**
 * A flow's ingest side: the events of the batch it takes and what it needs to deliver them; undefined for
 * none. `error` when the batch cannot be delivered as it is (no credentials in its account settings): its
 * events are parked with the reason instead of enqueued.
 */
export type MparticleRoute = (
  batch: NormalisedBatch,
) => { flow: string; destination: Destination; context?: unknown; events: MparticleEvent[]; error?: ValidationError } | undefined;

export interface MparticleAcceptContext {
  correlationId: string;
  receivedAt: string;
  routes: MparticleRoute[];
}

/**
 * Normalised batches → one work batch per batch and route that takes any of its events: enqueued, or
 * rejected (to be parked) when the batch is a rejected raw document or the route cannot deliver it. Pure.
 */
export function accept(batches: NormalisedBatch[], context: MparticleAcceptContext): AcceptedWork {
  const work: AcceptedWork = { workItems: [], rejected: [] };
  for (const batch of batches) {
    for (const route of context.routes) {
      const routed = route(batch);
      if (!routed || routed.events.length === 0) continue;
      const workBatch: WorkBatch = {
        flow: routed.flow,
        destination: routed.destination,
        correlationId: context.correlationId,
        receivedAt: context.receivedAt,
        ...(routed.context === undefined ? {} : { context: routed.context }),
        events: routed.events.map((event) => ({ id: event.id, event })),
      };
      const error = batch.rejection ?? routed.error;
      if (error) work.rejected.push({ batch: workBatch, error });
      else work.workItems.push(workBatch);
    }
  }
  return work;
}

/** Logs what is parked at ingest: the reason and ids, never the document (it holds user data). */
export function reportRejected(rejected: RejectedWork[], correlationId: string): void {
  for (const { batch, error } of rejected) {
    logger.warn("mParticle document parked at ingest", {
      correlationId,
      destination: batch.destination,
      eventIds: batch.events.map((event) => event.id),
      error: error.message,
    });
  }
}
