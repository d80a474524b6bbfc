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
