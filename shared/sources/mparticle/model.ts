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
  /**
   * The app was uninstalled from the batch's device. Only the Events API JSON (the Webhook output) has an
   * `uninstall` event; the Firehose has neither such an event nor an `application_state` "uninstall"
   * (mparticle-firehose-java-sdk Event.Type and ApplicationState enums).
   */
  z.object({ ...timed, type: z.literal("uninstall") }),
  /** The device as the batch reports it (the runtime environment carried a push token). */
  z.object({ ...base, type: z.literal("device_state") }),
  /** The user's attributes as the batch reports them (every batch carries them all, changed or not). */
  z.object({ ...base, type: z.literal("user_attributes") }),
  /**
   * A data subject's erasure request (Firehose `dsr_processing_request`, OpenDSR): the subject's raw
   * identities by mParticle type (`controller_customer_id`, `ios_vendor_id`, `android_id`, `email`, ...).
   */
  z.object({ ...base, type: z.literal("erasure"), subjectRequestId: z.string().min(1), identities: z.array(identitySchema) }),
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
