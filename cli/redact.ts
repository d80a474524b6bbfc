/**
 * Redaction for everything the CLI prints. DLQ bodies carry webhook payloads, and those can hold
 * partner credentials (mParticle account settings, encrypted Pushwoosh tokens); an on-call engineer
 * pastes CLI output into tickets, so secrets are removed before anything reaches stdout.
 */
export const REDACTED = "[REDACTED]";

/** Keys whose values are secrets, whatever their casing or separators (apiKey, api_key, X-Auth-Token...). */
const SECRET_KEY = /token|secret|auth|passw|api[-_]?key|credential/i;
/**
 * Values that look like an Authorization header, wherever they appear. Credentials are long; the length
 * floor keeps prose such as "Token has expired" readable.
 */
const AUTH_SCHEME_VALUE = /\b(Bearer|Basic|Token|Digest)\s+[\w.~+/=-]{8,}/gi;
/** `"apiToken": "..."` and `api_token=...` inside free text, such as a partner's error body. */
const SECRET_PAIR_IN_TEXT = /(["']?[\w-]*(?:token|secret|auth|passw|api[-_]?key|credential)[\w-]*["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|(?:(?:Bearer|Basic|Token|Digest)\s+)?[^\s,;&}]+)/gi;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactText(text: string): string {
  return text
    .replace(SECRET_PAIR_IN_TEXT, (_match, prefix: string) => `${prefix}"${REDACTED}"`)
    .replace(AUTH_SCHEME_VALUE, (_match, scheme: string) => `${scheme} ${REDACTED}`);
}

/** A deep copy with secret-named keys replaced and secret-looking text scrubbed; the input is untouched. */
export function redact(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) copy[key] = isSecretKey(key) ? REDACTED : redact(inner);
    return copy;
  }
  return value;
}
