import { isJsonObject, isNonEmptyString } from "../../jsonShape.js";
import { deviceInfoSchema, numberFieldSchema, textFieldSchema } from "./eventsApiBatch.js";
import type { AttributeValue, EventsApiBatch, EventsApiEvent } from "./eventsApiBatch.js";

/**
 * What `eventsApiBatchSchema` and `eventsApiEventSchema` return for the batches and events the Webhook output
 * usually sends, read without zod's interpreter (the schemas' unions, pipes and transforms were a sixth of
 * the Webhook door's time). Each reader returns the schema's own value, field for field (a field the schema
 * reads as undefined is there as undefined, as the schema leaves it), or undefined for anything it does not
 * vouch for, which then goes through the schema and its messages.
 * test/shared/sources/mparticle/eventsApiReader.test.ts holds each reader to its schema.
 */

/** A value the schema would refuse. */
const REFUSED = Symbol("refused");
type Read<Value> = (value: unknown) => Value | typeof REFUSED;
type Json = Record<string, unknown>;

/** Sets `key` as the schema's object does: a value when there is one, undefined only where the input had the key. */
function put(out: Json, input: Json, key: string, value: unknown): void {
  if (value !== undefined || key in input) out[key] = value;
}

/** Reads `fields` of `input` into `out`; false when one is refused. */
function readFields(input: Json, out: Json, fields: Record<string, Read<unknown>>): boolean {
  for (const key in fields) {
    const value = (fields[key] as Read<unknown>)(input[key]);
    if (value === REFUSED) return false;
    put(out, input, key, value);
  }
  return true;
}

/** The schema's "String": a string, number or boolean as text; null or absent as undefined. */
const text: Read<string | undefined> = (value) => {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  return typeof value === "number" || typeof value === "boolean" ? String(value) : REFUSED;
};

const name: Read<string> = (value) => {
  const read = text(value);
  return read === undefined || read === "" ? REFUSED : read;
};

function isScalar(value: unknown): boolean {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

const attributeValue: Read<AttributeValue> = (value) =>
  isScalar(value) || (Array.isArray(value) && value.every(isScalar)) ? (value as AttributeValue) : REFUSED;

const attributes: Read<Record<string, AttributeValue> | null | undefined> = (value) => {
  if (value === null || value === undefined) return value;
  if (!isJsonObject(value)) return REFUSED;
  for (const key in value) if (attributeValue(value[key]) === REFUSED) return REFUSED;
  return value as Record<string, AttributeValue>;
};

/** A number the relay reads: a number, or a string of one; anything else reads as absent. */
const number: Read<number | undefined> = (value) => {
  const parsed = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
};

const timestamp: Read<number | undefined> = (value) => {
  const read = number(value);
  return read === undefined ? undefined : Math.trunc(read as number);
};

const optionalBoolean: Read<boolean | null | undefined> = (value) =>
  value === null || value === undefined || typeof value === "boolean" ? (value as boolean | null | undefined) : REFUSED;

/** What every used event's data may carry, and what each type's data adds. */
const EVENT_DATA = { timestamp_unixtime_ms: timestamp, source_message_id: text, custom_attributes: attributes };
const DATA_OF: Record<string, Record<string, Read<unknown>>> = {
  custom_event: { event_name: name },
  screen_view: { screen_name: text },
  push_registration: { register: (value) => (typeof value === "boolean" ? value : REFUSED), registration_token: text },
  user_attribute_change: {
    user_attribute_name: name,
    new: (value) => (value === undefined ? undefined : attributeValue(value)),
    deleted: optionalBoolean,
  },
  uninstall: {},
};

/** `eventsApiEventSchema`'s value, for the events this vouches for. */
export function readEventsApiEvent(raw: unknown): EventsApiEvent | undefined {
  if (!isJsonObject(raw) || !isNonEmptyString(raw.event_type)) return undefined;
  const type = raw.event_type;
  const fields = Object.hasOwn(DATA_OF, type) ? DATA_OF[type] : undefined;
  if (!fields) return { event_type: type, other: true };
  // An uninstall's data may be absent or null: it reads as no time and no id.
  if (type === "uninstall" && (raw.data === undefined || raw.data === null)) {
    return { event_type: "uninstall", data: { timestamp_unixtime_ms: undefined, source_message_id: undefined } };
  }
  if (!isJsonObject(raw.data)) return undefined;
  const data: Json = {};
  return readFields(raw.data, data, EVENT_DATA) && readFields(raw.data, data, fields) ? ({ event_type: type, data } as EventsApiEvent) : undefined;
}

/** `user_identities` as `[type, value]` pairs: an object keyed by type (inbound), or an array of identities (outgoing). */
const identities: Read<Array<[string, string]>> = (value) => {
  if (value === null || value === undefined) return [];
  const pairs: Array<[string, string | undefined]> = [];
  if (Array.isArray(value)) {
    for (const identity of value as unknown[]) {
      if (!isJsonObject(identity) || !isNonEmptyString(identity.identity_type)) return REFUSED;
      const read = text(identity.identity);
      if (read === REFUSED) return REFUSED;
      pairs.push([identity.identity_type, read]);
    }
  } else if (isJsonObject(value)) {
    for (const type in value) {
      const identity = value[type];
      if (!isScalar(identity)) return REFUSED;
      pairs.push([type, identity === null ? undefined : String(identity)]);
    }
  } else return REFUSED;
  return pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1].trim() !== "");
};

const deletedAttributes: Read<string[]> = (value) => {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || !value.every((entry) => entry === null || typeof entry === "string")) return REFUSED;
  return (value as Array<string | null>).filter((entry): entry is string => typeof entry === "string" && entry !== "");
};

/** The reader of each field schema `device_info` is built of; a kind it does not know is left to the schema. */
const FIELD_READERS = new Map<unknown, Read<unknown>>([
  [textFieldSchema, text],
  [numberFieldSchema, number],
]);
/**
 * `device_info`'s fields, taken from its schema so that the two cannot drift apart. Built on first use: the
 * worker bundles take this module in (through webhookBatch.ts) and drop what they never call, which a
 * derivation run at load would not be.
 */
let deviceInfoFields: Record<string, Read<unknown>> | undefined;

const deviceInfo: Read<Json | null | undefined> = (value) => {
  if (value === null || value === undefined) return value;
  if (!isJsonObject(value)) return REFUSED;
  deviceInfoFields ??= Object.fromEntries(
    Object.entries(deviceInfoSchema.def.shape).map(([key, schema]) => [key, FIELD_READERS.get(schema) ?? ((): typeof REFUSED => REFUSED)]),
  );
  const device: Json = {};
  return readFields(value, device, deviceInfoFields) ? device : REFUSED;
};

const events: Read<unknown[]> = (value) => {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : REFUSED;
};

const BATCH = {
  mpid: text,
  user_identities: identities,
  user_attributes: attributes,
  deleted_user_attributes: deletedAttributes,
  device_info: deviceInfo,
  timestamp_unixtime_ms: timestamp,
  events,
};

/** `eventsApiBatchSchema`'s value, for the batches this vouches for. */
export function readEventsApiBatch(raw: unknown): EventsApiBatch | undefined {
  if (!isJsonObject(raw)) return undefined;
  const batch: Json = {};
  return readFields(raw, batch, BATCH) ? (batch as EventsApiBatch) : undefined;
}

/** The readers the Webhook door puts in front of the schemas, read from here on each request (as a schema's parse is read from the schema). */
export const webhookReaders = { batch: readEventsApiBatch, event: readEventsApiEvent };
