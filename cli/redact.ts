// Free text is scrubbed the way partner error texts are everywhere (shared/observability.ts).
import { REDACTED, redactText } from "../shared/observability.js";

/**
 * Redaction for everything the CLI prints and the local live view shows. DLQ bodies and partner calls
 * carry webhook payloads, and those can hold partner credentials (mParticle account settings, encrypted
 * Pushwoosh tokens, feed keys); an on-call engineer pastes CLI output and screenshots into tickets, so
 * secrets are removed before anything reaches stdout or the page.
 */

/**
 * Keys whose values are secrets, whatever their casing or separators (apiKey, api_key, X-Auth-Token,
 * Pushwoosh's `auth`, an mParticle feed's `key` and `secret`...).
 */
const SECRET_KEY = /token|secret|auth|passw|api[-_]?key|credential|^key$|[-_]key$/i;
/** mParticle's per-connection settings: every value in them is treated as a secret, their names stay readable. */
const SECRET_VALUES_KEY = /^account[-_]?settings$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A deep copy with secret-named keys replaced and secret-looking text scrubbed; the input is untouched. */
export function redact(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      copy[key] = isSecretKey(key) ? REDACTED : SECRET_VALUES_KEY.test(key) ? redactValues(inner) : redact(inner);
    }
    return copy;
  }
  return value;
}

/** Keeps the names of an object's fields and replaces every value. */
function redactValues(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return REDACTED;
  return Object.fromEntries(Object.keys(value).map((key) => [key, REDACTED]));
}
