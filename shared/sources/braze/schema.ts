import { z } from "zod";

/**
 * Braze Currents, Custom HTTP connector. Braze adds event types and fields over time, so every object is
 * loose (unknown keys kept) and only the fields the mappings read are typed. A field we read that has the
 * wrong type makes that one event malformed, never the batch.
 */
const propertyBag = z.record(z.string(), z.unknown());

export const brazeUserSchema = z.looseObject({
  user_id: z.string().nullish(),
  external_user_id: z.string().nullish(),
  device_id: z.string().nullish(),
  timezone: z.string().nullish(),
});

export const brazePropertiesSchema = z.looseObject({
  platform: z.string().nullish(),
  os_version: z.string().nullish(),
  device_model: z.string().nullish(),
  email_address: z.string().nullish(),
  /** The custom event's name (users.behaviors.CustomEvent). */
  name: z.string().nullish(),
  custom_properties: propertyBag.nullish(),
  purchase_properties: propertyBag.nullish(),
  product_id: z.string().nullish(),
  price: z.number().nullish(),
  currency: z.string().nullish(),
});

export const brazeEventSchema = z.looseObject({
  event_type: z.string().min(1),
  /** Unique per event; redeliveries repeat it. */
  id: z.string().min(1),
  /** UNIX seconds; up to where milliseconds stay exact integers (about year 287,000), so every destination can carry it. */
  time: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER / 1000),
  user: brazeUserSchema.default({}),
  properties: brazePropertiesSchema.default({}),
});
export type BrazeEvent = z.infer<typeof brazeEventSchema>;

/** The request body. Events are validated one by one, so one bad event does not fail the batch. */
export const currentsBatchSchema = z.object({ events: z.array(z.unknown()) });
