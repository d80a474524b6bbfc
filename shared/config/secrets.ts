import { readFile } from "node:fs/promises";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { z } from "zod";
import { environmentVariable } from "./environment.js";

const feedSchema = z.object({ key: z.string().min(1), secret: z.string().min(1) });

/** The secret document: one Secrets Manager secret in AWS, RELAY_SECRETS_FILE locally. Public contract. */
export const relaySecretsSchema = z.object({
  inbound: z.object({ mparticleToken: z.string().min(1), brazeToken: z.string().min(1) }),
  mparticle: z.object({
    environment: z.enum(["production", "development"]),
    feeds: z.object({ ios: feedSchema, android: feedSchema, web: feedSchema, unbound: feedSchema }),
  }),
  mixpanel: z.union([
    z.object({ projectToken: z.string().min(1) }),
    z.object({ serviceAccount: z.object({ username: z.string().min(1), secret: z.string().min(1), projectId: z.string().min(1) }) }),
  ]),
});
export type RelaySecrets = z.infer<typeof relaySecretsSchema>;

/** Re-read after this long, so a rotated secret takes effect without a redeploy. */
export const DEFAULT_SECRETS_TTL_SECONDS = 300;

let cached: { value: RelaySecrets; expiresAt: number } | undefined;
let secretsManager: SecretsManagerClient | undefined;

async function readDocument(): Promise<string> {
  const file = environmentVariable("RELAY_SECRETS_FILE");
  if (file) return readFile(file, "utf8");
  const secretId = environmentVariable("RELAY_SECRET_ARN");
  if (!secretId) throw new Error("neither RELAY_SECRETS_FILE nor RELAY_SECRET_ARN is set");
  secretsManager ??= new SecretsManagerClient({});
  const result = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!result.SecretString) throw new Error("the relay secret has no string value");
  return result.SecretString;
}

function ttlMilliseconds(): number {
  const configured = Number(environmentVariable("RELAY_SECRETS_TTL_SECONDS"));
  return (Number.isFinite(configured) && configured >= 0 ? configured : DEFAULT_SECRETS_TTL_SECONDS) * 1000;
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
  cached = { value: parsed.data, expiresAt: now + ttlMilliseconds() };
  return parsed.data;
}

/** Forgets the cached document (tests, and the local stack when it switches files). */
export function resetSecretsCache(): void {
  cached = undefined;
}
