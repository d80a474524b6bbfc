import { isJsonObject, isNonEmptyString } from "../../jsonShape.js";
import * as z from "../../zod.js";

/**
 * Braze Currents, Custom HTTP connector. Braze adds event types and fields over time, so every object is
 * loose (unknown keys kept) and only the fields the mappings read are typed. A field we read that has the
 * wrong type makes that one event malformed, never the batch.
 */
const propertyBag = z.record(z.string(), z.unknown());

export const brazeUserSchema = z.looseObject({
  user_id: z.nullish(z.string()),
  external_user_id: z.nullish(z.string()),
  device_id: z.nullish(z.string()),
  timezone: z.nullish(z.string()),
});

export const brazePropertiesSchema = z.looseObject({
  platform: z.nullish(z.string()),
  os_version: z.nullish(z.string()),
  device_model: z.nullish(z.string()),
  email_address: z.nullish(z.string()),
  /** The custom event's name (users.behaviors.CustomEvent). */
  name: z.nullish(z.string()),
  custom_properties: z.nullish(propertyBag),
  purchase_properties: z.nullish(propertyBag),
  product_id: z.nullish(z.string()),
  price: z.nullish(z.number()),
  currency: z.nullish(z.string()),
});

export const brazeEventSchema = z.looseObject({
  event_type: z.string().check(z.minLength(1)),
  /** Unique per event; redeliveries repeat it. */
  id: z.string().check(z.minLength(1)),
  /** UNIX seconds; up to where milliseconds stay exact integers (about year 287,000), so every destination can carry it. */
  time: z.number().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER / 1000)),
  user: z._default(brazeUserSchema, {}),
  properties: z._default(brazePropertiesSchema, {}),
});
export type BrazeEvent = z.infer<typeof brazeEventSchema>;

/** The request body. Events are validated one by one, so one bad event does not fail the batch. */
export const currentsBatchSchema = z.object({ events: z.array(z.unknown()) });

function allNullishStrings(record: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const key of keys) {
    const value = record[key];
    if (value !== undefined && value !== null && typeof value !== "string") return false;
  }
  return true;
}

const USER_STRINGS = ["user_id", "external_user_id", "device_id", "timezone"] as const;
const PROPERTY_STRINGS = ["platform", "os_version", "device_model", "email_address", "name", "product_id", "currency"] as const;
const MAX_TIME = Number.MAX_SAFE_INTEGER / 1000;

function isNullishBag(value: unknown): boolean {
  return value === undefined || value === null || isJsonObject(value);
}

/**
 * Whether `raw` is a Braze event that `brazeEventSchema` would give back equal to itself (no default to fill,
 * nothing to copy differently), checked without zod: the schema's interpreter costs more than parsing the
 * event did, and ingest and the worker read every event. Anything this does not vouch for goes through the
 * schema, which names what is wrong (test/shared/sources/braze/schema.test.ts holds the two together).
 */
export function isBrazeEventAsIs(raw: unknown): raw is BrazeEvent {
  if (!isJsonObject(raw)) return false;
  const { event_type: eventType, id, time, user, properties } = raw;
  if (!isNonEmptyString(eventType) || !isNonEmptyString(id)) return false;
  if (typeof time !== "number" || !(time >= 0 && time <= MAX_TIME)) return false;
  if (!isJsonObject(user) || !allNullishStrings(user, USER_STRINGS)) return false;
  if (!isJsonObject(properties) || !allNullishStrings(properties, PROPERTY_STRINGS)) return false;
  const price = properties.price;
  if (price !== undefined && price !== null && !(typeof price === "number" && Number.isFinite(price))) return false;
  return isNullishBag(properties.custom_properties) && isNullishBag(properties.purchase_properties);
}

/** `brazeEventSchema.safeParse`, without zod for the events `isBrazeEventAsIs` vouches for. */
export function parseBrazeEvent(raw: unknown): ReturnType<typeof brazeEventSchema.safeParse> {
  return isBrazeEventAsIs(raw) ? { success: true, data: raw } : brazeEventSchema.safeParse(raw);
}
