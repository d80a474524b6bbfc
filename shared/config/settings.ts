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

const TRAILING_SLASHES = /\/+$/;

/** A partner's base URL without a trailing slash; clients append the documented paths. */
export function partnerBaseUrl(variable: PartnerUrlVariable): string {
  return (environmentVariable(variable) || PARTNER_URL_DEFAULTS[variable]).replace(TRAILING_SLASHES, "");
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
export function textSetting(name: string): string | undefined {
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

/** AWS_ENDPOINT_URL_SECRETS_MANAGER, the SDK's own variable: a Secrets Manager stand-in (deployed-bundle test), unset in AWS. */
export function secretsManagerEndpoint(): string | undefined {
  return textSetting("AWS_ENDPOINT_URL_SECRETS_MANAGER");
}

/** AWS_ENDPOINT_URL_LAMBDA, the SDK's own variable: a Lambda API stand-in (local stack, tests), unset in AWS. */
export function lambdaEndpoint(): string | undefined {
  return textSetting("AWS_ENDPOINT_URL_LAMBDA");
}

/** AWS_REGION (set by Lambda and by the local stack), else AWS_DEFAULT_REGION: where a signed AWS API call goes. */
export function awsRegion(): string {
  const region = textSetting("AWS_REGION") ?? textSetting("AWS_DEFAULT_REGION");
  if (!region) throw new Error("AWS_REGION is not set");
  return region;
}

/** AWS_LAMBDA_FUNCTION_NAME: the running function's own name (set by Lambda, and by the local stack). */
export function ownFunctionName(): string {
  const name = textSetting("AWS_LAMBDA_FUNCTION_NAME");
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
const DEFAULT_RETRY_HOLD_SECONDS = 86_400;

/** RETRY_HOLD_SECONDS: how long an event may be held while its partner is down or throttling, counted from intake. */
export function retryHoldSeconds(): number {
  return numberSetting("RETRY_HOLD_SECONDS", DEFAULT_RETRY_HOLD_SECONDS);
}

/** Production default for BATCH_CARRY_MAX_SECONDS. */
const DEFAULT_BATCH_CARRY_MAX_SECONDS = 5;

/**
 * BATCH_CARRY_MAX_SECONDS: how long a worker may carry a feed's last part-filled request over to its next
 * invocations instead of sending it short, counted from the first carry; 0 never carries.
 */
export function batchCarryMaxSeconds(): number {
  return numberSetting("BATCH_CARRY_MAX_SECONDS", DEFAULT_BATCH_CARRY_MAX_SECONDS, { allowZero: true });
}

/** Production default for PARTNER_PROBE_SECONDS. */
const DEFAULT_PARTNER_PROBE_SECONDS = 60;

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
  const list = environmentVariable(name)
    ?.split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return list && list.length > 0 ? list : undefined;
}

/**
 * PUSHWOOSH_HIGH_SPEED_SETUP: `true` only for a Pushwoosh account with High-Speed Setup, where createFilter
 * takes `application` ("usable only with High-Speed Setup; omit otherwise",
 * docs.pushwoosh.com/platform-docs/api-reference/filters). Unset or `false`: omitted.
 */
export function pushwooshHighSpeedSetup(): boolean {
  const value = textSetting("PUSHWOOSH_HIGH_SPEED_SETUP")?.toLowerCase() ?? "false";
  if (value === "true" || value === "false") return value === "true";
  throw new Error(`PUSHWOOSH_HIGH_SPEED_SETUP must be "true" or "false", not ${JSON.stringify(value.slice(0, 40))}`);
}
