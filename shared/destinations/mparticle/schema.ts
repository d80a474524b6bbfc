import * as z from "../../zod.js";

/** The four input feeds a Braze workspace connects to mParticle, one key/secret each. */
export const MPARTICLE_FEEDS = ["ios", "android", "web", "unbound"] as const;
export type MparticleFeed = (typeof MPARTICLE_FEEDS)[number];

/** The Events API schema's `Uuid`: the 8-4-4-4-12 hex shape, without RFC 4122's version rules. */
export const EVENTS_API_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * mParticle's default service limits for one incoming batch (docs.mparticle.com/guides/default-service-limits,
 * "Incoming Event Batches"): event and user attributes, their names and values, user attribute lists.
 */
export const ATTRIBUTE_LIMITS = {
  count: 100,
  nameLength: 256,
  valueLength: 4096,
  eventNameLength: 256,
  listItems: 1000,
  listItemLength: 512,
} as const;

/**
 * Events API request limits (docs.mparticle.com/developers/server/http and default-service-limits): at most
 * 100 batches and under 256 KB per `/v2/bulkevents` request, each batch under 128 KB and one user.
 */
export const BULK_LIMITS = { batches: 100, requestBytes: 256 * 1024, batchBytes: 128 * 1024 } as const;

const uuid = z.string().check(z.regex(EVENTS_API_UUID));

export const attributeValueSchema = z.union([z.string().check(z.maxLength(ATTRIBUTE_LIMITS.valueLength)), z.number(), z.boolean()]);
export type AttributeValue = z.infer<typeof attributeValueSchema>;

/** A bag of attributes within the limits: at most 100, names ≤ 256 and values ≤ 4096 characters. */
function attributes<Value extends z.ZodMiniType>(value: Value) {
  return z
    .record(z.string().check(z.maxLength(ATTRIBUTE_LIMITS.nameLength)), value)
    .check(z.refine((bag) => Object.keys(bag).length <= ATTRIBUTE_LIMITS.count, { message: `at most ${ATTRIBUTE_LIMITS.count} attributes` }));
}

const eventDataSchema = z.strictObject({
  source_message_id: uuid,
  timestamp_unixtime_ms: z.int().check(z.nonnegative()),
  custom_attributes: attributes(attributeValueSchema),
});

/** The schema's `CustomEvent.custom_event_type` values (Braze's connector always sends `other`). */
export const CUSTOM_EVENT_TYPES = ["navigation", "location", "search", "transaction", "user_content", "user_preference", "social", "other", "media"] as const;

export const mparticleEventSchema = z.discriminatedUnion("event_type", [
  z.strictObject({
    event_type: z.literal("custom_event"),
    data: z.extend(eventDataSchema, {
      event_name: z.string().check(z.minLength(1), z.maxLength(ATTRIBUTE_LIMITS.eventNameLength)),
      custom_event_type: z.enum(CUSTOM_EVENT_TYPES),
    }),
  }),
  z.strictObject({ event_type: z.literal("uninstall"), data: eventDataSchema }),
]);
export type MparticleEvent = z.infer<typeof mparticleEventSchema>;

/** The schema's `device_info.platform` enum. */
export const DEVICE_PLATFORMS = ["iOS", "Android", "web", "tvOS", "roku", "out_of_band", "alexa", "smart_tv", "fire_tv", "xbox"] as const;

/** The `device_info` fields we send (the schema's DeviceInformation, `additionalProperties: false`). */
export const deviceInfoSchema = z.strictObject({
  ios_idfv: z.optional(uuid),
  device_model: z.optional(z.string()),
  platform: z.optional(z.enum(DEVICE_PLATFORMS)),
  ios_advertising_id: z.optional(uuid),
  android_advertising_id: z.optional(uuid),
  roku_advertising_id: z.optional(uuid),
  microsoft_advertising_id: z.optional(z.string()),
  limit_ad_tracking: z.optional(z.boolean()),
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;

/** User attributes: scalars, or lists of at most 1000 strings of ≤ 512 characters. */
export const userAttributesSchema = attributes(
  z.union([attributeValueSchema, z.array(z.string().check(z.maxLength(ATTRIBUTE_LIMITS.listItemLength))).check(z.maxLength(ATTRIBUTE_LIMITS.listItems))]),
);
export type UserAttributes = z.infer<typeof userAttributesSchema>;

export const userIdentitiesSchema = z.strictObject({ customer_id: z.string().check(z.minLength(1)), email: z.optional(z.string().check(z.minLength(1))) });

/** What the destination is given per event (by a flow, in the worker): the mapped event and what puts it in its user's batch. */
export const mparticlePayloadSchema = z.object({
  feed: z.enum(MPARTICLE_FEEDS),
  customerId: z.string().check(z.minLength(1)),
  email: z.optional(z.string().check(z.minLength(1))),
  userAttributes: z.optional(userAttributesSchema),
  deviceInfo: z.optional(deviceInfoSchema),
  event: mparticleEventSchema,
});
export type MparticlePayload = z.infer<typeof mparticlePayloadSchema>;

/**
 * One Events API batch as we send it: one user's events on one feed, with the user's identities, attributes
 * and device. Every object is strict because the published schema closes them (`additionalProperties: false`).
 */
export const mparticleBatchSchema = z.strictObject({
  source_request_id: uuid,
  environment: z.enum(["production", "development"]),
  user_identities: userIdentitiesSchema,
  user_attributes: z.optional(userAttributesSchema),
  device_info: z.optional(deviceInfoSchema),
  events: z.array(mparticleEventSchema).check(z.minLength(1)),
});
export type MparticleBatch = z.infer<typeof mparticleBatchSchema>;
