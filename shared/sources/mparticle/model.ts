import * as z from "../../zod.js";
import type { ValidationError } from "../../errors.js";
import { identitySchema } from "./schema.js";

/**
 * The normalised mParticle model: what a user did and who they are, whichever mParticle output sent it
 * (the Firehose partner request today; the Events API JSON of the Webhook output next). Flows map this;
 * the queue carries it.
 */

export const PLATFORMS = ["ios", "android", "web", "other"] as const;
export type Platform = (typeof PLATFORMS)[number];
export const TOKEN_KINDS = ["apns", "fcm", "web"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const deviceSchema = z.object({
  platform: z.enum(PLATFORMS),
  /** The device's own id (IDFV, Android id). */
  deviceId: z.optional(z.string().check(z.minLength(1))),
  /** The push token the device reports, and its kind. */
  token: z.optional(z.object({ value: z.string().check(z.minLength(1)), kind: z.enum(TOKEN_KINDS) })),
  userAgent: z.optional(z.string()),
  /** Offset from UTC, seconds. */
  timezoneSeconds: z.optional(z.int()),
  language: z.optional(z.string().check(z.minLength(1))),
});
export type Device = z.infer<typeof deviceSchema>;

/** Who the events are about. */
export const userSchema = z.object({
  mpid: z.optional(z.string().check(z.minLength(1))),
  identities: z.array(identitySchema),
  attributes: z.record(z.string(), z.string()),
  attributeLists: z.record(z.string(), z.array(z.string())),
  device: deviceSchema,
});
export type MparticleUser = z.infer<typeof userSchema>;

const base = { id: z.string().check(z.minLength(1)) };
const timed = { ...base, timestampMs: z.int() };

export const audienceChangeSchema = z.object({
  audienceName: z.string().check(z.minLength(1)),
  action: z.enum(["add", "delete", "attribute_update"]),
  attributes: z.array(
    z.object({
      key: z.string().check(z.minLength(1)),
      value: z.optional(z.string()),
      listValue: z.optional(z.array(z.string())),
      action: z.enum(["upsert", "delete"]),
    }),
  ),
});

export const mparticleEventSchema = z.discriminatedUnion("type", [
  z.object({ ...timed, type: z.literal("custom_event"), name: z.string().check(z.minLength(1)), attributes: z.record(z.string(), z.string()) }),
  /** The screen's name is optional in mParticle's JSON reference ("screen_view"). */
  z.object({
    ...timed,
    type: z.literal("screen_view"),
    screenName: z.optional(z.string().check(z.minLength(1))),
    attributes: z.record(z.string(), z.string()),
  }),
  z.object({ ...timed, type: z.literal("user_attribute_change"), added: z.record(z.string(), z.string()), removed: z.array(z.string()) }),
  z.object({ ...timed, type: z.literal("push_subscription"), action: z.enum(["subscribe", "unsubscribe"]), token: z.string().check(z.minLength(1)) }),
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
  z.object({ ...base, type: z.literal("erasure"), subjectRequestId: z.string().check(z.minLength(1)), identities: z.array(identitySchema) }),
  z.object({
    ...base,
    type: z.literal("audience_subscription"),
    audienceId: z.int(),
    audienceName: z.string().check(z.minLength(1)),
    action: z.enum(["add", "update", "remove"]),
  }),
  z.object({
    ...base,
    type: z.literal("audience_membership"),
    mpid: z.optional(z.string().check(z.minLength(1))),
    identities: z.array(identitySchema),
    audiences: z.array(audienceChangeSchema),
  }),
  /**
   * A document mParticle sent that could not be normalised at ingest (a batch, a message or one event in
   * its batch), kept as it came less its account settings. The worker normalises it again with the code
   * deployed then (`normaliseRawDocument`), so a parser fix and a redrive deliver it.
   */
  z.object({ ...base, type: z.literal("raw_document"), door: z.enum(["webhook", "firehose"]), document: z.unknown() }),
]);
export type MparticleEvent = z.infer<typeof mparticleEventSchema>;
export type MparticleEventOf<Type extends MparticleEvent["type"]> = Extract<MparticleEvent, { type: Type }>;

export type Door = MparticleEventOf<"raw_document">["door"];

/** One normalised request: its events, the user (when it has one) and the account's connection settings. */
export interface NormalisedBatch {
  requestId: string;
  events: MparticleEvent[];
  user?: MparticleUser;
  accountSettings: Record<string, string>;
  /** Why the batch's only event, a `raw_document`, could not be normalised: it is parked, not enqueued. */
  rejection?: ValidationError;
}

const PRINTED_NSDATA = /^<([0-9a-fA-F\s]+)>$/;
const WHITESPACE = /\s+/g;

/**
 * A push token as a device reports it. An APNs token printed as Objective-C prints its NSData,
 * "<e481f135 9629f0c3 ...>" (as in mParticle's JSON reference, device_info.push_token), becomes its
 * 64 lowercase hex digits; any other token is kept as it is.
 */
export function normalisePushToken(token: string): string {
  const trimmed = token.trim();
  const digits = PRINTED_NSDATA.exec(trimmed)?.[1];
  if (digits === undefined) return trimmed;
  const hex = digits.replace(WHITESPACE, "").toLowerCase();
  return hex.length === 64 ? hex : trimmed;
}

/** One event of a batch that failed its type's schema: it is parked alone, in its batch. */
export interface EventFailure {
  index: number;
  error: ValidationError;
}
