import { readFile } from "node:fs/promises";
import * as z from "../zod.js";
import { environmentVariable } from "./environment.js";
import { awsJsonRpc } from "../http/awsRequest.js";
import { secretsManagerEndpoint, secretsTtlSeconds } from "./settings.js";

const feedSchema = z.object({ key: z.string().check(z.minLength(1)), secret: z.string().check(z.minLength(1)) });

/**
 * Every placeholder of the stack's secret template (infra/secretTemplate.ts) starts with this, so a
 * value nobody filled in yet is recognised as such and refused (fail closed).
 */
export const SECRET_PLACEHOLDER_PREFIX = "REPLACE_ME";

/**
 * Inbound credentials: what a partner presents to the relay. A missing or empty current value is
 * allowed by the document (the route that needs it answers 503), so it is not a cold-start failure.
 * Each has an optional `previous…` twin, accepted alongside it while a rotation is under way.
 */
const inboundSchema = z.object({
  mparticleToken: z._default(z.string(), ""),
  previousMparticleToken: z.optional(z.string()),
  brazeToken: z._default(z.string(), ""),
  previousBrazeToken: z.optional(z.string()),
  /** The whole Authorization header value the mParticle Webhook integration sends (any scheme). */
  mparticleWebhookAuthorization: z.optional(z.string()),
  previousMparticleWebhookAuthorization: z.optional(z.string()),
});
export type InboundSecrets = z.infer<typeof inboundSchema>;
export type InboundField = keyof InboundSecrets;

/** The current inbound credentials a route may require; `npm start` reports the unconfigured ones. */
export const INBOUND_CREDENTIALS = ["mparticleToken", "brazeToken", "mparticleWebhookAuthorization"] as const satisfies readonly InboundField[];

/** A usable credential: present, not blank, not a template placeholder. */
export function isConfiguredSecretValue(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "" && !value.trim().startsWith(SECRET_PLACEHOLDER_PREFIX);
}

/** The current inbound credentials that are missing, empty or placeholders, as `inbound.<name>`. */
export function unconfiguredInboundCredentials(inbound: InboundSecrets): string[] {
  return INBOUND_CREDENTIALS.filter((name) => !isConfiguredSecretValue(inbound[name])).map((name) => `inbound.${name}`);
}

/**
 * The Pushwoosh application the mParticle Webhook door delivers to (the Firehose door takes its
 * credentials from each request's account settings instead). Optional: while a required field is
 * missing, empty or a placeholder, POST /mparticle/webhook answers 503 naming it.
 */
const pushwooshSchema = z.object({
  applicationCode: z._default(z.string(), ""),
  apiToken: z._default(z.string(), ""),
  /** Only bulk and segment calls need it; the webhook door (events only) makes none today. */
  serverApiToken: z.optional(z.string()),
});
export type PushwooshSecrets = z.infer<typeof pushwooshSchema>;

/** The Pushwoosh fields the webhook door requires, in the order `npm start` reports them. */
const PUSHWOOSH_REQUIRED_FIELDS = ["applicationCode", "apiToken"] as const satisfies ReadonlyArray<keyof PushwooshSecrets>;

/** The required Pushwoosh fields that are missing, empty or placeholders, as `pushwoosh.<name>`. */
export function unconfiguredPushwooshCredentials(pushwoosh: PushwooshSecrets | undefined): string[] {
  return PUSHWOOSH_REQUIRED_FIELDS.filter((name) => !isConfiguredSecretValue(pushwoosh?.[name])).map((name) => `pushwoosh.${name}`);
}

/** Every credential field of the document a route may require and that is unconfigured (`npm start` warns). */
export function unconfiguredCredentials(secrets: Pick<RelaySecrets, "inbound" | "pushwoosh">): string[] {
  return [...unconfiguredInboundCredentials(secrets.inbound), ...unconfiguredPushwooshCredentials(secrets.pushwoosh)];
}

/** The secret document: one Secrets Manager secret in AWS, RELAY_SECRETS_FILE locally. Public contract. */
export const relaySecretsSchema = z.object({
  inbound: z.prefault(inboundSchema, {}),
  pushwoosh: z.optional(pushwooshSchema),
  mparticle: z.object({
    environment: z.enum(["production", "development"]),
    feeds: z.object({ ios: feedSchema, android: feedSchema, web: feedSchema, unbound: feedSchema }),
  }),
  mixpanel: z.union([
    z.object({ projectToken: z.string().check(z.minLength(1)) }),
    z.object({
      serviceAccount: z.object({
        username: z.string().check(z.minLength(1)),
        secret: z.string().check(z.minLength(1)),
        projectId: z.string().check(z.minLength(1)),
      }),
    }),
  ]),
});
export type RelaySecrets = z.infer<typeof relaySecretsSchema>;

let cached: { value: RelaySecrets; expiresAt: number } | undefined;

async function readDocument(): Promise<string> {
  const file = environmentVariable("RELAY_SECRETS_FILE");
  if (file) return readFile(file, "utf8");
  const secretId = environmentVariable("RELAY_SECRET_ARN");
  if (!secretId) throw new Error("neither RELAY_SECRETS_FILE nor RELAY_SECRET_ARN is set");
  // Secrets Manager's GetSecretValue (JSON 1.1): https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
  const result = await awsJsonRpc<{ SecretString?: string }>({
    service: "secretsmanager",
    endpoint: secretsManagerEndpoint(),
    target: "secretsmanager.GetSecretValue",
    body: { SecretId: secretId },
  });
  if (!result.SecretString) throw new Error("the relay secret has no string value");
  return result.SecretString;
}

/** The secret document, read once per cold start and again after the TTL. Errors never echo its content. */
export async function loadSecrets(now = Date.now()): Promise<RelaySecrets> {
  if (cached && now < cached.expiresAt) return cached.value;
  let json: unknown;
  try {
    json = JSON.parse(await readDocument());
  } catch (error) {
    throw new Error(`the relay secret could not be read: ${error instanceof SyntaxError ? "not JSON" : (error as Error).message}`);
  }
  const parsed = relaySecretsSchema.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new Error(`the relay secret does not match the documented shape (check: ${paths})`);
  }
  cached = { value: parsed.data, expiresAt: now + secretsTtlSeconds() * 1000 };
  return parsed.data;
}

/** Forgets the cached document (tests, and the local stack when it switches files). */
export function resetSecretsCache(): void {
  cached = undefined;
}
