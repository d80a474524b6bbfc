import { environmentVariable } from "./environment.js";

/** Non-secret settings from the environment, read on each call so tests and the local stack can set them. */
export const PARTNER_URL_DEFAULTS = {
  PUSHWOOSH_API_URL: "https://api.pushwoosh.com",
  // Braze's mParticle inputs are partner feeds, which mParticle takes on its partner URL
  // (https://docs.mparticle.com/developers/partners/inbound-integrations/); pods stay configurable.
  MPARTICLE_API_URL: "https://inbound.mparticle.com/s2s",
  MIXPANEL_API_URL: "https://api.mixpanel.com",
} as const;
export type PartnerUrlVariable = keyof typeof PARTNER_URL_DEFAULTS;

/** A partner's base URL without a trailing slash; clients append the documented paths. */
export function partnerBaseUrl(variable: PartnerUrlVariable): string {
  return (environmentVariable(variable) || PARTNER_URL_DEFAULTS[variable]).replace(/\/+$/, "");
}

/**
 * A number from the environment; `fallback` when unset, not a number, negative, or zero (unless
 * `allowZero`: a setting for which zero means "never", such as a cache lifetime).
 */
function numberSetting(name: string, fallback: number, { allowZero = false } = {}): number {
  const configured = Number(environmentVariable(name));
  return Number.isFinite(configured) && (configured > 0 || (allowZero && configured === 0)) ? configured : fallback;
}

/** Production default for RELAY_SECRETS_TTL_SECONDS. */
export const DEFAULT_SECRETS_TTL_SECONDS = 300;

/**
 * RELAY_SECRETS_TTL_SECONDS: how long the secret document is kept before it is read again, so a rotated
 * secret takes effect without a redeploy; 0 reads it on every use.
 */
export function secretsTtlSeconds(): number {
  return numberSetting("RELAY_SECRETS_TTL_SECONDS", DEFAULT_SECRETS_TTL_SECONDS, { allowZero: true });
}

/** Milliseconds a partner call may take before it counts as a (retryable) timeout. */
export function partnerTimeoutMs(): number {
  return numberSetting("PARTNER_TIMEOUT_MS", 10_000);
}

/** A variable's trimmed value, undefined when unset or blank. */
function variable(name: string): string | undefined {
  const value = environmentVariable(name)?.trim();
  return value ? value : undefined;
}

/** A URL the stack hands a Lambda through an environment variable (queue URLs). */
export function requiredUrl(name: string): string {
  const url = environmentVariable(name);
  if (!url) throw new Error(`${name} is not set`);
  return url;
}

/** AWS_ENDPOINT_URL_SQS, the SDK's own variable: a local SQS endpoint, unset in AWS. */
export function sqsEndpoint(): string | undefined {
  return environmentVariable("AWS_ENDPOINT_URL_SQS");
}

/** AWS_ENDPOINT_URL_LAMBDA, the SDK's own variable: a Lambda API stand-in (local stack, tests), unset in AWS. */
export function lambdaEndpoint(): string | undefined {
  return variable("AWS_ENDPOINT_URL_LAMBDA");
}

/** AWS_LAMBDA_FUNCTION_NAME: the running function's own name (set by Lambda, and by the local stack). */
export function ownFunctionName(): string {
  const name = variable("AWS_LAMBDA_FUNCTION_NAME");
  if (!name) throw new Error("AWS_LAMBDA_FUNCTION_NAME is not set");
  return name;
}

/** Production default for RETRY_BASE_SECONDS: 30 s, 60 s, 2 min, 4 min between the five attempts. */
export const DEFAULT_RETRY_BASE_SECONDS = 30;

/** RETRY_BASE_SECONDS: the first backoff step of the retry policy. */
export function retryBaseSeconds(): number {
  return numberSetting("RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS);
}

/**
 * Production default for RETRY_HOLD_SECONDS: Braze's Currents connectors re-send 5xx and 429 for 24 hours
 * (braze-docs, "Partner Custom Currents Connector", error handling), EventBridge retries a target as long.
 */
export const DEFAULT_RETRY_HOLD_SECONDS = 86_400;

/** RETRY_HOLD_SECONDS: how long an event may be held while its partner is down or throttling, counted from intake. */
export function retryHoldSeconds(): number {
  return numberSetting("RETRY_HOLD_SECONDS", DEFAULT_RETRY_HOLD_SECONDS);
}

/** Production default for PARTNER_PROBE_SECONDS. */
export const DEFAULT_PARTNER_PROBE_SECONDS = 60;

/** PARTNER_PROBE_SECONDS: while a partner is down, one probe per this many seconds per destination. */
export function partnerProbeSeconds(): number {
  return numberSetting("PARTNER_PROBE_SECONDS", DEFAULT_PARTNER_PROBE_SECONDS);
}

/**
 * Production default for RETRY_AUTH_BACKOFF_FACTOR: credential failures wait this many times longer (a
 * person has to fix them, retrying fast cannot help): 7.5 min to 2 h between attempts with the base of 30 s.
 */
export const AUTH_BACKOFF_FACTOR = 30;

/** RETRY_AUTH_BACKOFF_FACTOR: how many times the retry backoff a credential failure (401/403) waits. */
export function authBackoffFactor(): number {
  return numberSetting("RETRY_AUTH_BACKOFF_FACTOR", AUTH_BACKOFF_FACTOR);
}

/** MPARTICLE_ATTRIBUTE_PREFIX: put before every custom attribute name Braze → mParticle writes. */
export function mparticleAttributePrefix(): string {
  return environmentVariable("MPARTICLE_ATTRIBUTE_PREFIX") ?? "";
}

/** An on/off switch; unset means on. */
export function switchSetting(name: string): boolean {
  const value = (environmentVariable(name) ?? "on").trim().toLowerCase();
  if (value === "on" || value === "") return true;
  if (value === "off") return false;
  throw new Error(`${name} must be "on" or "off"`);
}

/** A comma-separated list; undefined when unset or empty, so the caller's default applies. */
export function listSetting(name: string): string[] | undefined {
  const list = environmentVariable(name)?.split(",").map((entry) => entry.trim()).filter(Boolean);
  return list && list.length > 0 ? list : undefined;
}

/** The Pushwoosh names a customer may change (read per call, like partnerBaseUrl). */
export const PUSHWOOSH_SETTING_DEFAULTS = {
  /** Pushwoosh's default screen event, which its own SDKs send. */
  PUSHWOOSH_SCREEN_VIEW_EVENT: "PW_ScreenOpen",
  /** The List tag that holds a user's mParticle audience names. */
  PUSHWOOSH_AUDIENCE_TAG: "mParticle Audiences",
  /** `customer`: the raw customer id when there is one, else the mpid; `mpid`: always the mpid. */
  PUSHWOOSH_USER_ID: "customer",
} as const;

export type UserIdChoice = "customer" | "mpid";

/** Pushwoosh's tag types a customer may pin a tag to (docs.pushwoosh.com/platform-docs/api-reference/tags). */
export const PUSHWOOSH_TAG_TYPES = ["string", "integer", "decimal", "boolean", "date", "list"] as const;
export type PushwooshTagType = (typeof PUSHWOOSH_TAG_TYPES)[number];

export interface PushwooshMappingSettings {
  screenViewEvent: string;
  audienceTag: string;
  userId: UserIdChoice;
  /** PUSHWOOSH_TAG_TYPES: tag name → the type its values are converted to (wins over detection). */
  tagTypes: Readonly<Record<string, PushwooshTagType>>;
}

function pushwooshSetting(name: keyof typeof PUSHWOOSH_SETTING_DEFAULTS): string {
  return variable(name) ?? PUSHWOOSH_SETTING_DEFAULTS[name];
}

const parsedTagTypes = new Map<string, Readonly<Record<string, PushwooshTagType>>>();

/**
 * PUSHWOOSH_TAG_TYPES, a JSON object `{"<tag>": "string|integer|decimal|boolean|date|list"}`; `{}` when unset.
 * Parsed once per value. Anything else throws, naming the variable and the offending entry (never the
 * whole value), so a bad setting fails the function's first invocation instead of typing tags wrongly.
 */
export function pushwooshTagTypes(): Readonly<Record<string, PushwooshTagType>> {
  const raw = variable("PUSHWOOSH_TAG_TYPES");
  if (raw === undefined) return {};
  const cached = parsedTagTypes.get(raw);
  if (cached) return cached;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error("PUSHWOOSH_TAG_TYPES is not valid JSON: expected an object such as {\"$Zip\":\"string\"}");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error("PUSHWOOSH_TAG_TYPES must be a JSON object of tag name → type");
  }
  const types: Record<string, PushwooshTagType> = {};
  for (const [tag, type] of Object.entries(json)) {
    if (tag.trim() === "") throw new Error("PUSHWOOSH_TAG_TYPES has an empty tag name");
    if (!(PUSHWOOSH_TAG_TYPES as readonly unknown[]).includes(type)) {
      throw new Error(`PUSHWOOSH_TAG_TYPES: tag ${JSON.stringify(tag)} has type ${JSON.stringify(type)}; use one of ${PUSHWOOSH_TAG_TYPES.join(", ")}`);
    }
    types[tag] = type as PushwooshTagType;
  }
  parsedTagTypes.set(raw, Object.freeze(types));
  return types;
}

/**
 * PUSHWOOSH_HIGH_SPEED_SETUP: `true` only for a Pushwoosh account with High-Speed Setup, where createFilter
 * takes `application` ("usable only with High-Speed Setup; omit otherwise",
 * docs.pushwoosh.com/platform-docs/api-reference/filters). Unset or `false`: omitted.
 */
export function pushwooshHighSpeedSetup(): boolean {
  const value = variable("PUSHWOOSH_HIGH_SPEED_SETUP")?.toLowerCase() ?? "false";
  if (value === "true" || value === "false") return value === "true";
  throw new Error(`PUSHWOOSH_HIGH_SPEED_SETUP must be "true" or "false", not ${JSON.stringify(value.slice(0, 40))}`);
}

export function pushwooshMappingSettings(): PushwooshMappingSettings {
  const userId = pushwooshSetting("PUSHWOOSH_USER_ID");
  if (userId !== "customer" && userId !== "mpid") {
    throw new Error(`PUSHWOOSH_USER_ID must be "customer" or "mpid", not "${userId}"`);
  }
  return {
    screenViewEvent: pushwooshSetting("PUSHWOOSH_SCREEN_VIEW_EVENT"),
    audienceTag: pushwooshSetting("PUSHWOOSH_AUDIENCE_TAG"),
    userId,
    tagTypes: pushwooshTagTypes(),
  };
}

/**
 * Reads every Pushwoosh setting once, throwing on the first bad one. The functions that map to Pushwoosh call
 * it when their module loads, so a bad PUSHWOOSH_TAG_TYPES (or any other) fails the cold start, naming it.
 */
export function checkPushwooshSettings(): void {
  pushwooshMappingSettings();
  pushwooshHighSpeedSetup();
}
