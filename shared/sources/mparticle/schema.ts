import * as z from "../../zod.js";

/**
 * The mParticle partner-integration ("Firehose") messages we accept, after the JSON schemas of
 * mparticle-firehose-java-sdk. Strict on what we use, lenient on the rest: unknown fields are dropped.
 */

const stringMap = z.record(z.string(), z.string());

export const envelopeSchema = z.object({
  id: z.string().check(z.minLength(1)),
  timestamp_ms: z.int(),
  firehose_version: z.string().check(z.minLength(1)),
});

export const identitySchema = z.object({
  type: z.string().check(z.minLength(1)),
  encoding: z.enum(["raw", "md5", "sha1", "sha256"]),
  value: z.string(),
});
export type Identity = z.infer<typeof identitySchema>;

export const accountSchema = z.object({
  account_id: z.int(),
  account_settings: z._default(stringMap, {}),
});

export const runtimeEnvironmentSchema = z.object({
  type: z._default(z.string(), "unknown"),
  identities: z._default(z.array(identitySchema), []),
  http_header_user_agent: z.optional(z.string()),
  /** Web runtime environments carry the web push token here. */
  push_token: z.optional(z.string()),
  /** Hours from UTC. */
  timezone_offset: z.optional(z.number()),
  locale_language: z.optional(z.string()),
});
export type RuntimeEnvironment = z.infer<typeof runtimeEnvironmentSchema>;

const eventBase = z.object({ id: z.string().check(z.minLength(1)), timestamp_ms: z.int() });

export const customEventSchema = z.extend(eventBase, {
  type: z.literal("custom_event"),
  name: z.string().check(z.minLength(1)),
  attributes: z._default(stringMap, {}),
});
export const screenViewSchema = z.extend(eventBase, {
  type: z.literal("screen_view"),
  screen_name: z.optional(z.string()),
  attributes: z._default(stringMap, {}),
});
export const userAttributeChangeSchema = z.extend(eventBase, {
  type: z.literal("user_attribute_change"),
  added: z._default(stringMap, {}),
  removed: z._default(stringMap, {}),
});
export const pushSubscriptionSchema = z.extend(eventBase, {
  type: z.literal("push_subscription"),
  action: z.enum(["subscribe", "unsubscribe"]),
  token: z.string().check(z.minLength(1)),
});
/** The event types the relay reads; every other type (the SDK's Event.Type has more, and mParticle may add some) is skipped. */
export const USED_EVENT_SCHEMAS = {
  custom_event: customEventSchema,
  screen_view: screenViewSchema,
  user_attribute_change: userAttributeChangeSchema,
  push_subscription: pushSubscriptionSchema,
} as const;
export type MparticleEvent = z.infer<(typeof USED_EVENT_SCHEMAS)[keyof typeof USED_EVENT_SCHEMAS]>;

export const moduleRegistrationRequestSchema = z.extend(envelopeSchema, { type: z.literal("module_registration_request") });
export type ModuleRegistrationRequest = z.infer<typeof moduleRegistrationRequestSchema>;

export const eventProcessingRequestSchema = z.extend(envelopeSchema, {
  type: z.literal("event_processing_request"),
  account: accountSchema,
  mpid: z.optional(z.string().check(z.minLength(1))),
  user_identities: z._default(z.array(identitySchema), []),
  user_attributes: z._default(stringMap, {}),
  user_attribute_lists: z._default(z.record(z.string(), z.array(z.string())), {}),
  runtime_environment: z._default(runtimeEnvironmentSchema, { type: "unknown", identities: [] }),
  /** Read one by one (USED_EVENT_SCHEMAS), so that one event that fails is parked alone. */
  events: z._default(z.array(z.unknown()), []),
});
export type EventProcessingRequest = z.infer<typeof eventProcessingRequestSchema>;

/**
 * A data subject request (OpenDSR), after mparticle-firehose-java-sdk `DsrProcessingRequest`: the SDK's
 * only `subject_request_type` is `erasure`; `subject_identities` maps an identity type
 * (`controller_customer_id`, `ios_vendor_id`, `android_id`, `email`, ...) to `{encoding: "raw", value}`.
 * The Java model requires `account`, its JSON example omits it: both are accepted.
 */
export const dsrProcessingRequestSchema = z.extend(envelopeSchema, {
  type: z.literal("dsr_processing_request"),
  account: z.optional(accountSchema),
  subject_request_id: z.string().check(z.minLength(1)),
  subject_request_type: z.string().check(z.minLength(1)),
  subject_identities: z._default(z.record(z.string().check(z.minLength(1)), z.object({ encoding: z._default(z.string(), "raw"), value: z.string() })), {}),
  regulation: z.optional(z.string()),
});
export type DsrProcessingRequest = z.infer<typeof dsrProcessingRequestSchema>;

export const audienceSubscriptionRequestSchema = z.extend(envelopeSchema, {
  type: z.literal("audience_subscription_request"),
  account: accountSchema,
  audience_id: z.int(),
  audience_name: z.string().check(z.minLength(1)),
  action: z.enum(["add", "update", "remove"]),
});
export type AudienceSubscriptionRequest = z.infer<typeof audienceSubscriptionRequestSchema>;

const audienceUserAttributeSchema = z.object({
  key: z.string().check(z.minLength(1)),
  value: z.optional(z.string()),
  list_value: z.optional(z.array(z.string())),
  action: z.enum(["upsert", "delete"]),
});
type AudienceUserAttribute = z.infer<typeof audienceUserAttributeSchema>;

export const audienceMembershipSchema = z.object({
  audience_id: z.int(),
  audience_name: z.string().check(z.minLength(1)),
  action: z.enum(["add", "delete", "attribute_update"]),
  // The SDK's own sample holds an empty `{ }` entry; those say nothing and are dropped.
  user_attributes: z.pipe(
    z._default(z.array(z.union([audienceUserAttributeSchema, z.strictObject({})])), []),
    z.transform((entries) => entries.filter((entry): entry is AudienceUserAttribute => "key" in entry)),
  ),
});

export const userProfileSchema = z.object({
  mpid: z.optional(z.string().check(z.minLength(1))),
  user_identities: z._default(z.array(identitySchema), []),
  device_identities: z._default(z.array(identitySchema), []),
  audiences: z._default(z.array(audienceMembershipSchema), []),
});

export const audienceMembershipChangeRequestSchema = z.extend(envelopeSchema, {
  type: z.literal("audience_membership_change_request"),
  account: accountSchema,
  user_profiles: z._default(z.array(userProfileSchema), []),
});
export type AudienceMembershipChangeRequest = z.infer<typeof audienceMembershipChangeRequestSchema>;

/**
 * The messages both data endpoints read. Each endpoint gets its own types from mParticle; one sent to the
 * other endpoint is still the sender's data, and read the same way.
 */
export const firehoseRequestSchema = z.discriminatedUnion("type", [
  eventProcessingRequestSchema,
  dsrProcessingRequestSchema,
  audienceSubscriptionRequestSchema,
  audienceMembershipChangeRequestSchema,
]);
export type FirehoseRequest = z.infer<typeof firehoseRequestSchema>;

/** The answer to every request: its `*_response` type with the request's id and version. */
export interface FirehoseResponse {
  type: string;
  id: string;
  timestamp_ms: number;
  firehose_version: string;
}
