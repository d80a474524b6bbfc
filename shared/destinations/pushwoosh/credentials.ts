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

/**
 * The sealed forms this container made, by key and plaintext. Sealing was a fifth of a Firehose request's
 * time, and an account's requests all carry the same credentials: each pair is sealed once (a fresh random IV
 * per distinct plaintext, so no IV ever serves two plaintexts under one key). What a queue reader learns is
 * which items share credentials, and only within one container's life. Bounded: cleared when full.
 */
const sealedForms = new Map<string, string>();
const SEALED_FORMS_MAX = 256;

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function sealCredentials(credentials: PushwooshCredentials, secret: string): string {
  const plaintext = JSON.stringify(credentials);
  const formKey = `${secret}\u0000${plaintext}`;
  let sealed = sealedForms.get(formKey);
  if (sealed === undefined) {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", keyFrom(secret), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(AAD);
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    sealed = [VERSION, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
    if (sealedForms.size >= SEALED_FORMS_MAX) sealedForms.clear();
    sealedForms.set(formKey, sealed);
  }
  return sealed;
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
