import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { PermanentError } from "../../errors.js";
import * as z from "../../zod.js";

/**
 * The customer's Pushwoosh credentials ride in each work item, sealed with AES-256-GCM under a key
 * derived (HKDF-SHA256) from the inbound credential of the door that took them in (the mParticle
 * Firehose token, or the mParticle Webhook Authorization value): SQS, the DLQ and its tooling only ever
 * see ciphertext, and no other store is needed. Removing that credential (current and previous) makes
 * sealed items unreadable, so keep the previous value until the pushwoosh queue and DLQ are drained.
 */
const VERSION = "v1";
const SALT = "cdp-relay";
const INFO = "pushwoosh-credentials/v1";
const AAD = Buffer.from("pushwoosh-credentials");
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The customer's Pushwoosh credentials, from mParticle's account settings. Secret as a whole. */
const pushwooshCredentialsSchema = z.object({
  applicationCode: z.string().check(z.minLength(1)),
  apiToken: z.string().check(z.minLength(1)),
  serverApiToken: z.optional(z.string().check(z.minLength(1))),
});
export type PushwooshCredentials = z.infer<typeof pushwooshCredentialsSchema>;

let cachedKey: { secret: string; key: Buffer } | undefined;

function keyFrom(secret: string): Buffer {
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: Buffer.from(hkdfSync("sha256", secret, SALT, INFO, 32)) };
  return cachedKey.key;
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function sealCredentials(credentials: PushwooshCredentials, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(secret), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(credentials), "utf8"), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
}

/**
 * Opens sealed credentials with the first key that fits: the inbound credentials that seal (current,
 * then previous while a rotation is under way). A PermanentError (that says nothing of the content) when none does.
 */
export function openCredentials(sealed: string, ...secrets: string[]): PushwooshCredentials {
  const [version, iv, ciphertext, tag, ...rest] = sealed.split(".");
  if (version !== VERSION || !iv || !ciphertext || !tag || rest.length > 0) {
    throw new PermanentError("sealed Pushwoosh credentials are malformed");
  }
  let plaintext: string | undefined;
  for (const secret of secrets) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", keyFrom(secret), Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
      decipher.setAAD(AAD);
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
      break;
    } catch {
      // The next key, if any.
    }
  }
  if (plaintext === undefined) {
    throw new PermanentError("sealed Pushwoosh credentials do not open (was the inbound mParticle token or Webhook Authorization rotated?)");
  }
  const parsed = pushwooshCredentialsSchema.safeParse(JSON.parse(plaintext));
  if (!parsed.success) throw new PermanentError("sealed Pushwoosh credentials have the wrong shape");
  return parsed.data;
}
