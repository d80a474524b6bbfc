import * as z from "../../zod.js";
import { scanJson, withLongIntegersAsDigits, type JsonScan } from "../../http/jsonScan.js";

/**
 * The mParticle JSON batch in both of its forms: the document the Events API takes in, and the **outgoing**
 * JSON mParticle's event outputs (the Webhook among them) send, whose differences mParticle lists in
 * docs.mparticle.com/developers/server/json-reference, "Differences between incoming and outgoing JSON":
 * `user_identities` an array of `{identity_type, identity, timestamp_unixtime_ms}`, and fields added for
 * internal use (`batch_id`, `message_id`, `message_type`, `schema_version`, `unique_id`, session fields,
 * `event_start_unixtime_ms`, ...). Only the fields the relay uses are read; every other field, at any level,
 * is ignored; every optional field may be null.
 */

/**
 * The schema's "String": a string, number or boolean (or null). 64-bit ids arrive as digit strings
 * (parseEventsApiJson), so they keep every digit.
 */
const text = z.pipe(
  z.nullish(z.union([z.string(), z.number(), z.boolean()])),
  z.transform((value) => (value === null || value === undefined ? undefined : String(value))),
);
/** A user attribute: the schema's StringOrArray. */
export const attributeValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))]);
export type AttributeValue = z.infer<typeof attributeValueSchema>;
const attributes = z.nullish(z.record(z.string(), attributeValueSchema));
/**
 * A number the relay reads (a time, an offset). Outputs print times as numbers or as digit strings (the
 * Azure Blob Storage output's sample: `"timestamp_unixtime_ms":"1595542763908"`); a value that is neither
 * is ignored, as an absent one is.
 */
const number = z.optional(
  z.pipe(
    z.unknown(),
    z.transform((value) => {
      const parsed = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
      return Number.isFinite(parsed) ? parsed : undefined;
    }),
  ),
);
const timestamp = z.optional(
  z.pipe(
    number,
    z.transform((value) => (value === undefined ? undefined : Math.trunc(value))),
  ),
);

/** What every event's `data` may carry that we use: its own ids and time, and its attributes. */
const eventData = {
  timestamp_unixtime_ms: timestamp,
  source_message_id: text,
  custom_attributes: attributes,
};
const name = text.check(z.refine((value) => value !== undefined && value !== "", "Invalid input: expected a non-empty name"));

const customEventSchema = z.object({
  event_type: z.literal("custom_event"),
  data: z.object({ ...eventData, event_name: name }),
});
const screenViewSchema = z.object({
  event_type: z.literal("screen_view"),
  data: z.object({ ...eventData, screen_name: text }),
});
/** `register` adds or removes the registration; the token may be left to the batch's device_info. */
const pushRegistrationSchema = z.object({
  event_type: z.literal("push_registration"),
  data: z.object({ ...eventData, register: z.boolean(), registration_token: text }),
});
const uninstallSchema = z.object({
  event_type: z.literal("uninstall"),
  data: z.pipe(
    z.nullish(z.object(eventData)),
    z.transform((data) => data ?? { timestamp_unixtime_ms: undefined, source_message_id: undefined }),
  ),
});
const userAttributeChangeSchema = z.object({
  event_type: z.literal("user_attribute_change"),
  data: z.object({ ...eventData, user_attribute_name: name, new: z.optional(attributeValueSchema), deleted: z.nullish(z.boolean()) }),
});

/** The event types the relay takes something from; every other type is accepted and skipped. */
const USED_EVENTS = {
  custom_event: customEventSchema,
  screen_view: screenViewSchema,
  push_registration: pushRegistrationSchema,
  user_attribute_change: userAttributeChangeSchema,
  uninstall: uninstallSchema,
} as const;

/** The event types of the schema's EventType enum; others are counted as unknown. */
export const EVENTS_API_EVENT_TYPES: ReadonlySet<string> = new Set([
  "session_start",
  "session_end",
  "screen_view",
  "custom_event",
  "crash_report",
  "opt_out",
  "first_run",
  "pre_attribution",
  "push_registration",
  "application_state_transition",
  "push_message",
  "network_performance",
  "breadcrumb",
  "profile",
  "push_reaction",
  "commerce_event",
  "user_attribute_change",
  "user_identity_change",
  "uninstall",
]);

export type UsedEventsApiEvent = z.infer<(typeof USED_EVENTS)[keyof typeof USED_EVENTS]>;
/** An event of a type the relay takes nothing from: only its type is kept, to count it. */
export interface OtherEventsApiEvent {
  event_type: string;
  other: true;
}
export type EventsApiEvent = UsedEventsApiEvent | OtherEventsApiEvent;

/** An event: validated by its type's schema when we use the type, else kept as its type. */
export const eventsApiEventSchema = z.pipe(
  z.looseObject({ event_type: z.string().check(z.minLength(1)) }),
  z.transform((value, context): EventsApiEvent => {
    // Own keys only: a type named like an Object member ("constructor") is an unknown type, not a schema.
    const schema = Object.hasOwn(USED_EVENTS, value.event_type)
      ? (USED_EVENTS as Record<string, z.ZodMiniType<UsedEventsApiEvent>>)[value.event_type]
      : undefined;
    if (!schema) return { event_type: value.event_type, other: true };
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) context.issues.push({ code: "custom", message: issue.message, path: issue.path, input: value });
    return z.NEVER;
  }),
);

/** The field schemas `device_info` is built of, for the ingest reader that follows its shape. */
export { text as textFieldSchema, number as numberFieldSchema };

export const deviceInfoSchema = z.object({
  /** iOS, Android, web, tvOS, roku, ... */
  platform: text,
  push_token: text,
  ios_idfv: text,
  /** The Android ID (the Firehose's `android_id`). */
  android_uuid: text,
  http_header_user_agent: text,
  /** Hours from UTC, as in the Firehose runtime environment. */
  timezone_offset: number,
  locale_language: text,
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;

/** One identity of the outgoing form; an entry without a value says nothing and is left out. */
const outgoingIdentitySchema = z.object({ identity_type: z.string().check(z.minLength(1)), identity: text });

/** `user_identities`: an object keyed by identity type (inbound) or an array of identities (outgoing), as `[type, value]` pairs. */
const userIdentitiesSchema = z.pipe(
  z.nullish(z.union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])), z.array(outgoingIdentitySchema)])),
  z.transform((identities): Array<[string, string]> => {
    const pairs: Array<[string, string | undefined]> = Array.isArray(identities)
      ? identities.map((identity) => [identity.identity_type, identity.identity])
      : Object.entries(identities ?? {}).map(([type, value]) => [type, value === null ? undefined : String(value)]);
    return pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1].trim() !== "");
  }),
);

/** A batch without its events: those are read one by one (eventsApiEventSchema), so one bad event is parked alone. */
export const eventsApiBatchSchema = z.object({
  mpid: text,
  user_identities: userIdentitiesSchema,
  user_attributes: attributes,
  deleted_user_attributes: z.pipe(
    z.nullish(z.array(z.nullable(z.string()))),
    z.transform((names) => (names ?? []).filter((entry): entry is string => typeof entry === "string" && entry !== "")),
  ),
  device_info: z.nullish(deviceInfoSchema),
  timestamp_unixtime_ms: timestamp,
  events: z.pipe(
    z.nullish(z.array(z.unknown())),
    z.transform((events) => events ?? []),
  ),
});
export type EventsApiBatch = z.infer<typeof eventsApiBatchSchema>;

/** mParticle's bulk endpoint takes at most 100 batches per request; the Webhook body is held to the same. */
export const MAX_BATCHES_PER_REQUEST = 100;

/**
 * JSON.parse, except that an integer too large for a double stays a string of its digits: mParticle's
 * ids (mpid, event and session ids) are 64-bit, and a rounded mpid would name another user. `scan` is the
 * text's scanJson, when ingest has made it already; invalid JSON still fails in JSON.parse.
 */
export function parseEventsApiJson(source: string, scan: JsonScan = scanJson(source, Number.POSITIVE_INFINITY)): unknown {
  return JSON.parse(withLongIntegersAsDigits(source, scan.longIntegers));
}
