import { REDACTED, redactText } from "../shared/observability.js";

/**
 * Redaction for everything the CLI prints. DLQ bodies carry webhook payloads, and those can hold
 * partner credentials (mParticle account settings, encrypted Pushwoosh tokens); an on-call engineer
 * pastes CLI output into tickets, so secrets are removed before anything reaches stdout.
 */

/** Keys whose values are secrets, whatever their casing or separators (apiKey, api_key, X-Auth-Token...). */
const SECRET_KEY = /token|secret|auth|passw|api[-_]?key|credential/i;

// Free text is scrubbed the way partner error texts are everywhere (shared/observability.ts).
export { REDACTED, redactText };

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
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
