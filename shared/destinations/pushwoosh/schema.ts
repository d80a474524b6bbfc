import * as z from "../../zod.js";
import { DEVICE_TYPES } from "./vocabulary.js";

/**
 * What we send to Pushwoosh: the calls a flow gives the destination, one Pushwoosh API call each.
 * Field names are Pushwoosh's own, so map.ts only adds the application code and the credentials.
 */

export const deviceTypeSchema = z.literal(Object.values(DEVICE_TYPES));

/** A list edit: `append` adds values, `remove` takes them out; other values of the list stay. */
export const listOperationSchema = z.object({ operation: z.enum(["append", "remove"]), value: z.array(z.string()) });

/**
 * A tag value as setTags takes it: a number, boolean, string (dates as "YYYY-MM-DD HH:mm" UTC), a plain
 * array (replaces a list), a list edit, or null (clears the tag).
 */
export const tagValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), listOperationSchema, z.null()]);
export type TagValue = z.infer<typeof tagValueSchema>;
export const tagsSchema = z.record(z.string().check(z.minLength(1)), tagValueSchema);
export type Tags = z.infer<typeof tagsSchema>;

/** Event attributes: the scalar tag types (Pushwoosh event attributes have no list edits or nulls). */
export const eventAttributesSchema = z.record(z.string().check(z.minLength(1)), z.union([z.string(), z.number(), z.boolean()]));

export const setTagsCallSchema = z.object({ method: z.literal("setTags"), userId: z.string().check(z.minLength(1)), tags: tagsSchema });
export const postEventCallSchema = z.object({
  method: z.literal("postEvent"),
  userId: z.string().check(z.minLength(1)),
  hwid: z.optional(z.string().check(z.minLength(1))),
  event: z.string().check(z.minLength(1)),
  attributes: eventAttributesSchema,
  /** Seconds since the epoch, UTC. */
  timestampUTC: z.int(),
  /** The same moment on the device's wall clock (UTC shifted by its offset), seconds. */
  timestampCurrent: z.int(),
});
export const registerDeviceCallSchema = z.object({
  method: z.literal("registerDevice"),
  hwid: z.string().check(z.minLength(1)),
  push_token: z.string().check(z.minLength(1)),
  device_type: deviceTypeSchema,
  userId: z.optional(z.string().check(z.minLength(1))),
  /** Offset from UTC in seconds. */
  timezone: z.optional(z.int()),
  language: z.optional(z.string().check(z.minLength(1))),
});
export type RegisterDeviceCall = z.infer<typeof registerDeviceCallSchema>;
export const unregisterDeviceCallSchema = z.object({ method: z.literal("unregisterDevice"), hwid: z.string().check(z.minLength(1)) });
export const createFilterCallSchema = z.object({
  method: z.literal("createFilter"),
  name: z.string().check(z.minLength(1)),
  /** The segment is "list tag holds this value"; map.ts writes the Seglang with the application code. */
  tagName: z.string().check(z.minLength(1)),
  tagValue: z.string().check(z.minLength(1)),
});
/** Erasure: the user and every device linked to its User ID (docs.pushwoosh.com/developer/api-reference/user-centric-api). */
export const deleteUserCallSchema = z.object({ method: z.literal("deleteUser"), userId: z.string().check(z.minLength(1)) });
export const deleteFilterCallSchema = z.object({ method: z.literal("deleteFilter"), name: z.string().check(z.minLength(1)) });

export const bulkDeviceSchema = z.object({
  user_id: z.string().check(z.minLength(1)),
  list_operator: z.enum(["set", "append", "remove"]),
  tags: tagsSchema,
});
export type BulkDevice = z.infer<typeof bulkDeviceSchema>;
export const bulkSetTagsCallSchema = z.object({ method: z.literal("bulkSetTags"), devices: z.array(bulkDeviceSchema).check(z.minLength(1)) });

export const pushwooshCallSchema = z.discriminatedUnion("method", [
  setTagsCallSchema,
  postEventCallSchema,
  registerDeviceCallSchema,
  unregisterDeviceCallSchema,
  createFilterCallSchema,
  deleteFilterCallSchema,
  bulkSetTagsCallSchema,
  deleteUserCallSchema,
]);
export type PushwooshCall = z.infer<typeof pushwooshCallSchema>;
export type PushwooshMethod = PushwooshCall["method"];

/**
 * One item for the destination: a call and the credentials it needs, sealed (see credentials.ts), and when
 * its facts were true (epoch ms, the latest event time of its message), by which a user's setTags merge.
 */
export const pushwooshPayloadSchema = z.object({
  credentials: z.string().check(z.minLength(1)),
  call: pushwooshCallSchema,
  eventTimeMs: z.optional(z.number()),
});
export type PushwooshPayload = z.infer<typeof pushwooshPayloadSchema>;

/** Every answer of the 1.3 JSON API. */
export const pushwooshAnswerSchema = z.object({
  status_code: z.number(),
  status_message: z.optional(z.string()),
  response: z.optional(z.unknown()),
});

/** The v2 bulkSetTags answers: the POST and the status poll. */
export const bulkSetTagsAnswerSchema = z.object({ request_id: z.string().check(z.minLength(1)), status: z.string() });
