import { hasOnlyKeys, isJsonObject } from "../../jsonShape.js";
import * as z from "../../zod.js";
import {
  ATTRIBUTE_LIMITS,
  BULK_LIMITS,
  CUSTOM_EVENT_TYPES,
  EVENTS_API_UUID,
  mparticleBatchSchema,
  mparticleEventSchema,
  type MparticleBatch,
} from "./schema.js";

/**
 * mParticle answers `/v2/bulkevents` with 202 even when some of its batches fail ("If some event batches
 * succeed and some event batches fail, you will still get an Accepted response",
 * docs.mparticle.com/developers/server/http), so a batch must be known good before it is sent. These checks
 * are the published Events API schema's rules for the fields we send plus the default service limits
 * (schema.ts); test/shared/destinations/mparticle/validate.test.ts proves that what they accept the schema
 * accepts. ajv is not used here: it would weigh on every Lambda bundle.
 */

function describe(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(batch)"}: ${issue.message}`);
}

/** A batch without its events: identities, user attributes, device, environment, request id. */
const headerSchema = z.omit(mparticleBatchSchema, { events: true });
export type BatchHeader = z.infer<typeof headerSchema>;

export function headerProblems(header: BatchHeader): string[] {
  const parsed = headerSchema.safeParse(header);
  return parsed.success ? [] : describe(parsed.error);
}

const EVENT_KEYS = new Set(["event_type", "data"]);
const UNINSTALL_DATA_KEYS = new Set(["source_message_id", "timestamp_unixtime_ms", "custom_attributes"]);
const CUSTOM_EVENT_DATA_KEYS = new Set([...UNINSTALL_DATA_KEYS, "event_name", "custom_event_type"]);
const CUSTOM_EVENT_TYPE_SET: ReadonlySet<unknown> = new Set(CUSTOM_EVENT_TYPES);

function isAttributeValue(value: unknown): boolean {
  if (typeof value === "string") return value.length <= ATTRIBUTE_LIMITS.valueLength;
  return typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

function isAttributeBag(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  let count = 0;
  for (const name in value) {
    if (++count > ATTRIBUTE_LIMITS.count || name.length > ATTRIBUTE_LIMITS.nameLength || !isAttributeValue(value[name])) return false;
  }
  return true;
}

/**
 * Whether `mparticleEventSchema` accepts the event, checked by hand: the schema took a tenth of the Braze to
 * mParticle path, for events that nearly always pass. False leaves the event to the schema, which names the
 * problem; a property test holds the two to the same answer.
 */
export function passesEventSchema(event: unknown): boolean {
  if (!isJsonObject(event) || !hasOnlyKeys(event, EVENT_KEYS)) return false;
  const { event_type: type, data } = event;
  if (!isJsonObject(data)) return false;
  const common =
    typeof data.source_message_id === "string" &&
    EVENTS_API_UUID.test(data.source_message_id) &&
    Number.isSafeInteger(data.timestamp_unixtime_ms) &&
    (data.timestamp_unixtime_ms as number) >= 0 &&
    isAttributeBag(data.custom_attributes);
  if (type === "uninstall") return common && hasOnlyKeys(data, UNINSTALL_DATA_KEYS);
  const name = data.event_name;
  return (
    type === "custom_event" &&
    common &&
    hasOnlyKeys(data, CUSTOM_EVENT_DATA_KEYS) &&
    typeof name === "string" &&
    name.length >= 1 &&
    name.length <= ATTRIBUTE_LIMITS.eventNameLength &&
    CUSTOM_EVENT_TYPE_SET.has(data.custom_event_type)
  );
}

export function eventProblems(event: unknown): string[] {
  if (passesEventSchema(event)) return [];
  const parsed = mparticleEventSchema.safeParse(event);
  return parsed.success ? [] : describe(parsed.error).map((problem) => `event.${problem}`);
}

/** Under 128 KB of JSON. */
export function sizeProblems(bytes: number): string[] {
  return bytes < BULK_LIMITS.batchBytes ? [] : [`batch is ${bytes} bytes; mParticle takes batches under ${BULK_LIMITS.batchBytes}`];
}

/** Why mParticle would drop this batch; empty when it passes. The planner applies the same checks in parts. */
export function batchProblems(batch: MparticleBatch | Record<string, unknown>): string[] {
  const parsed = mparticleBatchSchema.safeParse(batch);
  return [...(parsed.success ? [] : describe(parsed.error)), ...sizeProblems(Buffer.byteLength(JSON.stringify(batch)))];
}
