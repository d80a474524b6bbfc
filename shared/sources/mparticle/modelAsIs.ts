import { hasOnlyKeys, isAbsentOr, isJsonObject, isNonEmptyString, isStringList, isStringRecord } from "../../jsonShape.js";
import { PLATFORMS, TOKEN_KINDS, type MparticleEvent, type MparticleUser } from "./model.js";

/**
 * The fast paths of the model's hottest schemas (shared/jsonShape.ts says how they are bound to them): the
 * event types every Firehose and Webhook batch carries, and the user each work item's context holds. The
 * worker reads them for every event and message; zod's interpreter cost more than parsing them did.
 * test/shared/sources/mparticle/modelAsIs.test.ts holds each to its schema.
 */

const IDENTITY_KEYS = new Set(["type", "encoding", "value"]);
const ENCODINGS = new Set(["raw", "md5", "sha1", "sha256"]);
const DEVICE_KEYS = new Set(["platform", "deviceId", "token", "userAgent", "timezoneSeconds", "language"]);
const TOKEN_KEYS = new Set(["value", "kind"]);
const USER_KEYS = new Set(["mpid", "identities", "attributes", "attributeLists", "device"]);

function isIdentityAsIs(value: unknown): boolean {
  return (
    isJsonObject(value) &&
    hasOnlyKeys(value, IDENTITY_KEYS) &&
    isNonEmptyString(value.type) &&
    ENCODINGS.has(value.encoding as string) &&
    typeof value.value === "string"
  );
}

function isTokenAsIs(value: unknown): value is object {
  return isJsonObject(value) && hasOnlyKeys(value, TOKEN_KEYS) && isNonEmptyString(value.value) && (TOKEN_KINDS as readonly unknown[]).includes(value.kind);
}

function isSafeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

function isDeviceAsIs(value: unknown): boolean {
  if (!isJsonObject(value) || !hasOnlyKeys(value, DEVICE_KEYS) || !(PLATFORMS as readonly unknown[]).includes(value.platform)) return false;
  const { deviceId, token, userAgent, timezoneSeconds, language } = value;
  return (
    isAbsentOr(deviceId, isNonEmptyString) &&
    isAbsentOr(token, isTokenAsIs) &&
    (userAgent === undefined || typeof userAgent === "string") &&
    isAbsentOr(timezoneSeconds, isSafeInteger) &&
    isAbsentOr(language, isNonEmptyString)
  );
}

function isStringListRecord(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  for (const key in value) if (!isStringList(value[key])) return false;
  return true;
}

/** Whether `value` is a user that `userSchema` would return equal to itself. */
export function isMparticleUserAsIs(value: unknown): value is MparticleUser {
  if (!isJsonObject(value) || !hasOnlyKeys(value, USER_KEYS)) return false;
  const { mpid, identities, attributes, attributeLists, device } = value;
  return (
    isAbsentOr(mpid, isNonEmptyString) &&
    Array.isArray(identities) &&
    identities.every(isIdentityAsIs) &&
    isStringRecord(attributes) &&
    isStringListRecord(attributeLists) &&
    isDeviceAsIs(device)
  );
}

/** The keys of each event type vouched for here; other types go through the schema. */
const EVENT_KEYS: Record<string, ReadonlySet<string>> = {
  custom_event: new Set(["id", "timestampMs", "type", "name", "attributes"]),
  screen_view: new Set(["id", "timestampMs", "type", "screenName", "attributes"]),
  user_attributes: new Set(["id", "type"]),
  device_state: new Set(["id", "type"]),
};

/** Whether `value` is an event that `mparticleEventSchema` would return equal to itself. */
export function isMparticleEventAsIs(value: unknown): value is MparticleEvent {
  if (!isJsonObject(value) || !isNonEmptyString(value.id) || typeof value.type !== "string") return false;
  const keys = Object.hasOwn(EVENT_KEYS, value.type) ? EVENT_KEYS[value.type] : undefined;
  if (!keys || !hasOnlyKeys(value, keys)) return false;
  switch (value.type) {
    case "custom_event":
      return Number.isSafeInteger(value.timestampMs) && isNonEmptyString(value.name) && isStringRecord(value.attributes);
    case "screen_view":
      return Number.isSafeInteger(value.timestampMs) && isAbsentOr(value.screenName, isNonEmptyString) && isStringRecord(value.attributes);
    default:
      return true;
  }
}
