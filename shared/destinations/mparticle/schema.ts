import { z } from "zod";
import type { RelaySecrets } from "../../config/secrets.js";

/** The four input feeds a Braze workspace connects to mParticle, one key/secret each. */
export const MPARTICLE_FEEDS = ["ios", "android", "web", "unbound"] as const;
export type MparticleFeed = (typeof MPARTICLE_FEEDS)[number];

/** The Events API schema's `Uuid`: the 8-4-4-4-12 hex shape, without RFC 4122's version rules. */
export const EVENTS_API_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const attributeValueSchema = z.union([z.string(), z.number(), z.boolean()]);
export type AttributeValue = z.infer<typeof attributeValueSchema>;

const eventDataSchema = z.object({
  source_message_id: z.string().regex(EVENTS_API_UUID),
  timestamp_unixtime_ms: z.number().int().nonnegative(),
  custom_attributes: z.record(z.string(), attributeValueSchema),
});

export const mparticleEventSchema = z.discriminatedUnion("event_type", [
  z.object({
    event_type: z.literal("custom_event"),
    data: eventDataSchema.extend({ event_name: z.string().min(1), custom_event_type: z.literal("other") }),
  }),
  z.object({ event_type: z.literal("uninstall"), data: eventDataSchema }),
]);
export type MparticleEvent = z.infer<typeof mparticleEventSchema>;

/** What the destination is given per event (by a flow, in the worker): the mapped event and what puts it in its user's batch. */
export const mparticlePayloadSchema = z.object({
  feed: z.enum(MPARTICLE_FEEDS),
  customerId: z.string().min(1),
  email: z.string().min(1).optional(),
  event: mparticleEventSchema,
});
export type MparticlePayload = z.infer<typeof mparticlePayloadSchema>;

/** One Events API batch: one user's events on one feed. */
export interface MparticleBatch {
  source_request_id: string;
  environment: RelaySecrets["mparticle"]["environment"];
  user_identities: { customer_id: string; email?: string };
  events: MparticleEvent[];
}
