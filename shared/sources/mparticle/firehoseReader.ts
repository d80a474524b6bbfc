import { isAbsentOr, isJsonObject, isNonEmptyString, isStringList, isStringRecord } from "../../jsonShape.js";
import type { EventProcessingRequest, Identity, MparticleEvent as UsedEvent, RuntimeEnvironment } from "./schema.js";

/**
 * What `eventProcessingRequestSchema` and the used event schemas return for the requests mParticle usually
 * sends, read without zod's interpreter, which was half of the Firehose door's time. Each reader returns the
 * schema's value (unknown keys dropped, defaults filled) or undefined for anything it does not vouch for,
 * which then goes through the schema and its messages. test/shared/sources/mparticle/firehoseReader.test.ts
 * holds each reader to its schema.
 */

const ENCODINGS = new Set(["raw", "md5", "sha1", "sha256"]);
const PUSH_ACTIONS = new Set(["subscribe", "unsubscribe"]);
type Json = Record<string, unknown>;

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === "string";
}

/** A string record, `{}` when absent (a `_default(stringMap, {})`); undefined when it is not one. */
function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return {};
  return isStringRecord(value) ? value : undefined;
}

function identities(value: unknown): Identity[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const read: Identity[] = [];
  for (const identity of value as unknown[]) {
    if (!isJsonObject(identity)) return undefined;
    const { type, encoding, value: text } = identity;
    if (!isNonEmptyString(type) || !ENCODINGS.has(encoding as string) || typeof text !== "string") return undefined;
    read.push({ type, encoding: encoding as Identity["encoding"], value: text });
  }
  return read;
}

function stringListMap(value: unknown): Record<string, string[]> | undefined {
  if (value === undefined) return {};
  if (!isJsonObject(value)) return undefined;
  for (const key in value) if (!isStringList(value[key])) return undefined;
  return value as Record<string, string[]>;
}

function runtimeEnvironment(value: unknown): RuntimeEnvironment | undefined {
  if (value === undefined) return { type: "unknown", identities: [] };
  if (!isJsonObject(value)) return undefined;
  const { type = "unknown", http_header_user_agent: userAgent, push_token: pushToken, timezone_offset: offset, locale_language: language } = value;
  const read = identities(value.identities);
  if (typeof type !== "string" || !read || !isOptionalString(userAgent) || !isOptionalString(pushToken) || !isOptionalString(language)) return undefined;
  if (offset !== undefined && typeof offset !== "number") return undefined;
  return {
    type,
    identities: read,
    ...(userAgent === undefined ? {} : { http_header_user_agent: userAgent }),
    ...(pushToken === undefined ? {} : { push_token: pushToken }),
    ...(offset === undefined ? {} : { timezone_offset: offset }),
    ...(language === undefined ? {} : { locale_language: language }),
  };
}

/** `eventProcessingRequestSchema.safeParse(raw).data`, for the requests this vouches for. */
export function readEventProcessingRequest(raw: unknown): EventProcessingRequest | undefined {
  if (!isJsonObject(raw) || raw.type !== "event_processing_request") return undefined;
  const { id, timestamp_ms: timestampMs, firehose_version: version, account, mpid, events = [] } = raw;
  if (!isNonEmptyString(id) || !Number.isSafeInteger(timestampMs) || !isNonEmptyString(version)) return undefined;
  if (!isJsonObject(account) || !Number.isSafeInteger(account.account_id) || !isAbsentOr(mpid, isNonEmptyString) || !Array.isArray(events)) return undefined;
  const accountSettings = stringMap(account.account_settings);
  const userIdentities = identities(raw.user_identities);
  const attributes = stringMap(raw.user_attributes);
  const attributeLists = stringListMap(raw.user_attribute_lists);
  const environment = runtimeEnvironment(raw.runtime_environment);
  if (!accountSettings || !userIdentities || !attributes || !attributeLists || !environment) return undefined;
  return {
    id,
    timestamp_ms: timestampMs as number,
    firehose_version: version,
    type: "event_processing_request",
    account: { account_id: account.account_id as number, account_settings: accountSettings },
    ...(mpid === undefined ? {} : { mpid: mpid as string }),
    user_identities: userIdentities,
    user_attributes: attributes,
    user_attribute_lists: attributeLists,
    runtime_environment: environment,
    events: events as unknown[],
  };
}

/** The fields every used event type has, when they are as its schema wants them. */
function eventBase(raw: Json): { id: string; timestamp_ms: number } | undefined {
  const { id, timestamp_ms: timestampMs } = raw;
  return isNonEmptyString(id) && Number.isSafeInteger(timestampMs) ? { id, timestamp_ms: timestampMs as number } : undefined;
}

/** The used event schema's value (`USED_EVENT_SCHEMAS[raw.type]`), for the events this vouches for. */
export function readUsedEvent(raw: unknown): UsedEvent | undefined {
  if (!isJsonObject(raw)) return undefined;
  const base = eventBase(raw);
  if (!base) return undefined;
  switch (raw.type) {
    case "custom_event": {
      const attributes = stringMap(raw.attributes);
      return isNonEmptyString(raw.name) && attributes ? { ...base, type: "custom_event", name: raw.name, attributes } : undefined;
    }
    case "screen_view": {
      const attributes = stringMap(raw.attributes);
      if (!isOptionalString(raw.screen_name) || !attributes) return undefined;
      return { ...base, type: "screen_view", ...(raw.screen_name === undefined ? {} : { screen_name: raw.screen_name }), attributes };
    }
    case "user_attribute_change": {
      const added = stringMap(raw.added);
      const removed = stringMap(raw.removed);
      return added && removed ? { ...base, type: "user_attribute_change", added, removed } : undefined;
    }
    case "push_subscription": {
      const { action, token } = raw;
      if (!PUSH_ACTIONS.has(action as string) || !isNonEmptyString(token)) return undefined;
      return { ...base, type: "push_subscription", action: action as "subscribe" | "unsubscribe", token };
    }
    default:
      return undefined;
  }
}
