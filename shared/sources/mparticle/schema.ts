import { z } from "zod";

/**
 * The mParticle partner-integration ("Firehose") messages we accept, after the JSON schemas of
 * mparticle-firehose-java-sdk. Strict on what we use, lenient on the rest: unknown fields are dropped.
 */

const stringMap = z.record(z.string(), z.string());

export const envelopeSchema = z.object({
  id: z.string().min(1),
  timestamp_ms: z.number().int(),
  firehose_version: z.string().min(1),
});

export const identitySchema = z.object({
  type: z.string().min(1),
  encoding: z.enum(["raw", "md5", "sha1", "sha256"]),
  value: z.string(),
});
export type Identity = z.infer<typeof identitySchema>;

export const accountSchema = z.object({
  account_id: z.number().int(),
  account_settings: stringMap.default({}),
});

export const runtimeEnvironmentSchema = z.object({
  type: z.string().default("unknown"),
  identities: z.array(identitySchema).default([]),
  http_header_user_agent: z.string().optional(),
  /** Web runtime environments carry the web push token here. */
  push_token: z.string().optional(),
  /** Hours from UTC. */
  timezone_offset: z.number().optional(),
  locale_language: z.string().optional(),
});
export type RuntimeEnvironment = z.infer<typeof runtimeEnvironmentSchema>;

const eventBase = z.object({ id: z.string().min(1), timestamp_ms: z.number().int() });

export const customEventSchema = eventBase.extend({
  type: z.literal("custom_event"),
  name: z.string().min(1),
  attributes: stringMap.default({}),
});
export const screenViewSchema = eventBase.extend({
  type: z.literal("screen_view"),
  screen_name: z.string().optional(),
  attributes: stringMap.default({}),
});
export const userAttributeChangeSchema = eventBase.extend({
  type: z.literal("user_attribute_change"),
  added: stringMap.default({}),
  removed: stringMap.default({}),
});
export const pushSubscriptionSchema = eventBase.extend({
  type: z.literal("push_subscription"),
  action: z.enum(["subscribe", "unsubscribe"]),
  token: z.string().min(1),
});
/** The event types the relay reads; every other type (the SDK's Event.Type has more, and mParticle may add some) is skipped. */
export const USED_EVENT_SCHEMAS = {
  custom_event: customEventSchema,
  screen_view: screenViewSchema,
  user_attribute_change: userAttributeChangeSchema,
  push_subscription: pushSubscriptionSchema,
} as const;
export type MparticleEvent = z.infer<(typeof USED_EVENT_SCHEMAS)[keyof typeof USED_EVENT_SCHEMAS]>;

export const moduleRegistrationRequestSchema = envelopeSchema.extend({ type: z.literal("module_registration_request") });
export type ModuleRegistrationRequest = z.infer<typeof moduleRegistrationRequestSchema>;

export const eventProcessingRequestSchema = envelopeSchema.extend({
  type: z.literal("event_processing_request"),
  account: accountSchema,
  mpid: z.string().min(1).optional(),
  user_identities: z.array(identitySchema).default([]),
  user_attributes: stringMap.default({}),
  user_attribute_lists: z.record(z.string(), z.array(z.string())).default({}),
  runtime_environment: runtimeEnvironmentSchema.default({ type: "unknown", identities: [] }),
  /** Read one by one (USED_EVENT_SCHEMAS), so that one event that fails is parked alone. */
  events: z.array(z.unknown()).default([]),
});
export type EventProcessingRequest = z.infer<typeof eventProcessingRequestSchema>;

/**
 * A data subject request (OpenDSR), after mparticle-firehose-java-sdk `DsrProcessingRequest`: the SDK's
 * only `subject_request_type` is `erasure`; `subject_identities` maps an identity type
 * (`controller_customer_id`, `ios_vendor_id`, `android_id`, `email`, ...) to `{encoding: "raw", value}`.
 * The Java model requires `account`, its JSON example omits it: both are accepted.
 */
export const dsrProcessingRequestSchema = envelopeSchema.extend({
  type: z.literal("dsr_processing_request"),
  account: accountSchema.optional(),
  subject_request_id: z.string().min(1),
  subject_request_type: z.string().min(1),
  subject_identities: z.record(z.string().min(1), z.object({ encoding: z.string().default("raw"), value: z.string() })).default({}),
  regulation: z.string().optional(),
});
export type DsrProcessingRequest = z.infer<typeof dsrProcessingRequestSchema>;

export const audienceSubscriptionRequestSchema = envelopeSchema.extend({
  type: z.literal("audience_subscription_request"),
  account: accountSchema,
  audience_id: z.number().int(),
  audience_name: z.string().min(1),
  action: z.enum(["add", "update", "remove"]),
});
export type AudienceSubscriptionRequest = z.infer<typeof audienceSubscriptionRequestSchema>;

const audienceUserAttributeSchema = z.object({
  key: z.string().min(1),
  value: z.string().optional(),
  list_value: z.array(z.string()).optional(),
  action: z.enum(["upsert", "delete"]),
});
type AudienceUserAttribute = z.infer<typeof audienceUserAttributeSchema>;

export const audienceMembershipSchema = z.object({
  audience_id: z.number().int(),
  audience_name: z.string().min(1),
  action: z.enum(["add", "delete", "attribute_update"]),
  // The SDK's own sample holds an empty `{ }` entry; those say nothing and are dropped.
  user_attributes: z
    .array(z.union([audienceUserAttributeSchema, z.object({}).strict()]))
    .default([])
    .transform((entries) => entries.filter((entry): entry is AudienceUserAttribute => "key" in entry)),
});

export const userProfileSchema = z.object({
  mpid: z.string().min(1).optional(),
  user_identities: z.array(identitySchema).default([]),
  device_identities: z.array(identitySchema).default([]),
  audiences: z.array(audienceMembershipSchema).default([]),
});

export const audienceMembershipChangeRequestSchema = envelopeSchema.extend({
  type: z.literal("audience_membership_change_request"),
  account: accountSchema,
  user_profiles: z.array(userProfileSchema).default([]),
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
