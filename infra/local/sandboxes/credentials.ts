import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The sandboxes' own credential checks. They import nothing from the relay (eslint enforces it), so a
 * mistake in the relay's auth code cannot be mirrored here and pass both sides.
 */

/** Constant-time comparison of a presented secret with the expected one (digests, so lengths may differ). */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The user and password of a `Basic` Authorization header; undefined when it is not one. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (!header?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice("Basic ".length), "base64").toString("utf8");
  const separator = decoded.indexOf(":");
  return separator < 0 ? { user: decoded, password: "" } : { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
}
