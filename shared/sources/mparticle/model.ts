import { z } from "zod";
import { identitySchema } from "./schema.js";

/**
 * The normalised mParticle model: what a user did and who they are, whichever mParticle output sent it
 * (the Firehose partner request today; the Events API JSON of the Webhook output next). Flows map this;
 * the queue carries it.
 */

export { identitySchema };
export type { Identity } from "./schema.js";

export const PLATFORMS = ["ios", "android", "web", "other"] as const;
export type Platform = (typeof PLATFORMS)[number];
export const TOKEN_KINDS = ["apns", "fcm", "web"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const deviceSchema = z.object({
  platform: z.enum(PLATFORMS),
  /** The device's own id (IDFV, Android id). */
  deviceId: z.string().min(1).optional(),
  /** The push token the device reports, and its kind. */
  token: z.object({ value: z.string().min(1), kind: z.enum(TOKEN_KINDS) }).optional(),
  userAgent: z.string().optional(),
  /** Offset from UTC, seconds. */
  timezoneSeconds: z.number().int().optional(),
  language: z.string().min(1).optional(),
});
export type Device = z.infer<typeof deviceSchema>;

/** Who the events are about. */
export const userSchema = z.object({
  mpid: z.string().min(1).optional(),
  identities: z.array(identitySchema),
  attributes: z.record(z.string(), z.string()),
  attributeLists: z.record(z.string(), z.array(z.string())),
  device: deviceSchema,
});
export type MparticleUser = z.infer<typeof userSchema>;

const base = { id: z.string().min(1) };
const timed = { ...base, timestampMs: z.number().int() };

export const audienceChangeSchema = z.object({
  audienceName: z.string().min(1),
  action: z.enum(["add", "delete", "attribute_update"]),
  attributes: z.array(
    z.object({ key: z.string().min(1), value: z.string().optional(), listValue: z.array(z.string()).optional(), action: z.enum(["upsert", "delete"]) }),
  ),
});

export const mparticleEventSchema = z.discriminatedUnion("type", [
  z.object({ ...timed, type: z.literal("custom_event"), name: z.string().min(1), attributes: z.record(z.string(), z.string()) }),
  z.object({ ...timed, type: z.literal("screen_view"), screenName: z.string().min(1), attributes: z.record(z.string(), z.string()) }),
  z.object({ ...timed, type: z.literal("user_attribute_change"), added: z.record(z.string(), z.string()), removed: z.array(z.string()) }),
  z.object({ ...timed, type: z.literal("push_subscription"), action: z.enum(["subscribe", "unsubscribe"]), token: z.string().min(1) }),
  z.object({ ...timed, type: z.literal("application_state_transition"), state: z.string().min(1) }),
  /** The device as the batch reports it (the runtime environment carried a push token). */
  z.object({ ...base, type: z.literal("device_state") }),
  z.object({ ...base, type: z.literal("audience_subscription"), audienceId: z.number().int(), audienceName: z.string().min(1), action: z.enum(["add", "update", "remove"]) }),
  z.object({ ...base, type: z.literal("audience_membership"), mpid: z.string().min(1).optional(), identities: z.array(identitySchema), audiences: z.array(audienceChangeSchema) }),
]);
export type MparticleEvent = z.infer<typeof mparticleEventSchema>;
export type MparticleEventOf<Type extends MparticleEvent["type"]> = Extract<MparticleEvent, { type: Type }>;

/** One normalised request: its events, the user (when it has one) and the account's connection settings. */
export interface NormalisedBatch {
  requestId: string;
  events: MparticleEvent[];
  user?: MparticleUser;
  accountSettings: Record<string, string>;
}
