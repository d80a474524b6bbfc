import { z } from "zod";

/**
 * The mParticle JSON batch (the document the Events API takes in, and the one the Webhook output POSTs),
 * after mParticle's published schema (infra/local/sandboxes/contracts/mparticle-events-api.schema.json).
 * Only the fields the relay uses are read; unknown fields and event types are accepted and ignored.
 */

/**
 * The schema's "String": a string, number or boolean (or null). 64-bit ids arrive as digit strings
 * (parseEventsApiJson), so they keep every digit.
 */
const text = z
  .union([z.string(), z.number(), z.boolean()])
  .nullish()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));
/** A user attribute: the schema's StringOrArray. */
export const attributeValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))]);
export type AttributeValue = z.infer<typeof attributeValueSchema>;
const attributes = z.record(z.string(), attributeValueSchema).nullish();
const timestamp = z.number().int().nullish();

/** What every event's `data` may carry that we use: its own ids and time, and its attributes. */
const eventData = {
  timestamp_unixtime_ms: timestamp,
  source_message_id: text,
  custom_attributes: attributes,
};

const customEventSchema = z.object({
  event_type: z.literal("custom_event"),
  data: z.object({ ...eventData, event_name: z.string().min(1) }),
});
const screenViewSchema = z.object({
  event_type: z.literal("screen_view"),
  data: z.object({ ...eventData, screen_name: z.string().min(1) }),
});
const pushRegistrationSchema = z.object({
  event_type: z.literal("push_registration"),
  data: z.object({ ...eventData, register: z.boolean(), registration_token: z.string().min(1) }),
});
const uninstallSchema = z.object({
  event_type: z.literal("uninstall"),
  data: z.object(eventData).prefault({}),
});
const userAttributeChangeSchema = z.object({
  event_type: z.literal("user_attribute_change"),
  data: z.object({ ...eventData, user_attribute_name: z.string().min(1), new: attributeValueSchema.optional(), deleted: z.boolean().nullish() }),
});

/** The event types Pushwoosh takes something from; every other type is accepted and skipped. */
const USED_EVENTS = {
  custom_event: customEventSchema,
  screen_view: screenViewSchema,
  push_registration: pushRegistrationSchema,
  user_attribute_change: userAttributeChangeSchema,
  uninstall: uninstallSchema,
} as const;

/** The event types of the schema's EventType enum; others are counted as unknown. */
export const EVENTS_API_EVENT_TYPES: ReadonlySet<string> = new Set([
  "session_start", "session_end", "screen_view", "custom_event", "crash_report", "opt_out", "first_run", "pre_attribution",
  "push_registration", "application_state_transition", "push_message", "network_performance", "breadcrumb", "profile",
  "push_reaction", "commerce_event", "user_attribute_change", "user_identity_change", "uninstall",
]);

export type UsedEventsApiEvent = z.infer<(typeof USED_EVENTS)[keyof typeof USED_EVENTS]>;
/** An event of a type Pushwoosh takes nothing from: only its type is kept, to count it. */
export interface OtherEventsApiEvent {
  event_type: string;
  other: true;
}
export type EventsApiEvent = UsedEventsApiEvent | OtherEventsApiEvent;

/** An event: validated by its type's schema when we use the type (a 400 names the field), else kept as its type. */
const eventSchema = z.looseObject({ event_type: z.string().min(1) }).transform((value, context): EventsApiEvent => {
  const schema = (USED_EVENTS as Record<string, z.ZodType<UsedEventsApiEvent>>)[value.event_type];
  if (!schema) return { event_type: value.event_type, other: true };
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) context.addIssue({ code: "custom", message: issue.message, path: issue.path as Array<string | number> });
  return z.NEVER;
});

export const deviceInfoSchema = z.object({
  /** iOS, Android, web, tvOS, roku, ... */
  platform: z.string().nullish(),
  push_token: text,
  ios_idfv: text,
  /** The Android ID (the Firehose's `android_id`). */
  android_uuid: text,
  http_header_user_agent: text,
  /** Hours from UTC, as in the Firehose runtime environment. */
  timezone_offset: z.number().nullish(),
  locale_language: text,
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;

export const eventsApiBatchSchema = z.object({
  mpid: text,
  user_identities: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullish(),
  user_attributes: attributes,
  deleted_user_attributes: z.array(z.string()).nullish(),
  device_info: deviceInfoSchema.nullish(),
  timestamp_unixtime_ms: timestamp,
  events: z.array(eventSchema).nullish(),
});
export type EventsApiBatch = z.infer<typeof eventsApiBatchSchema>;

/** mParticle's bulk endpoint takes at most 100 batches per request; the Webhook body is held to the same. */
export const MAX_BATCHES_PER_REQUEST = 100;

/** The Webhook body: one batch, or an array of batches. */
export const webhookBodySchema = z.union([eventsApiBatchSchema, z.array(eventsApiBatchSchema).max(MAX_BATCHES_PER_REQUEST)]);

/**
 * JSON.parse, except that an integer too large for a double stays a string of its digits: mParticle's
 * ids (mpid, event and session ids) are 64-bit, and a rounded mpid would be another Pushwoosh user.
 * One linear pass quotes such numbers outside strings; invalid JSON still fails in JSON.parse.
 */
export function parseEventsApiJson(source: string): unknown {
  let out = "";
  let copiedUpTo = 0;
  let inString = false;
  for (let index = 0; index < source.length; index++) {
    const code = source.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) {
      inString = true;
      continue;
    }
    if (code !== 0x2d && (code < 0x30 || code > 0x39)) continue;
    let end = index + 1;
    while (end < source.length && /[0-9eE.+-]/.test(source.charAt(end))) end++;
    const token = source.slice(index, end);
    if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${source.slice(copiedUpTo, index)}"${token}"`;
      copiedUpTo = end;
    }
    index = end - 1;
  }
  return JSON.parse(copiedUpTo === 0 ? source : out + source.slice(copiedUpTo));
}
