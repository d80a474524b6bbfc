import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { DEVELOPMENT_SECRETS } from "../../../../infra/local/devSecrets.js";

/** The mParticle Webhook samples of test/fixtures/mparticle-webhook, built from the Events API JSON schema. */

const FIXTURES = new URL("../../../fixtures/mparticle-webhook/", import.meta.url);
const SCHEMA = new URL("../../../../infra/local/sandboxes/contracts/mparticle-events-api.schema.json", import.meta.url);

/** The sample's text: its 64-bit mpids are only exact in the text. */
export function webhookFixtureText(name: "ios-batch.json" | "batches.json"): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

export function webhookFixture(name: "ios-batch.json" | "batches.json"): Record<string, unknown> | Array<Record<string, unknown>> {
  return JSON.parse(webhookFixtureText(name)) as Record<string, unknown> | Array<Record<string, unknown>>;
}

/** Validates one batch against mParticle's published Events API schema. */
export const eventsApiValidator = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(JSON.parse(readFileSync(SCHEMA, "utf8")) as object);

/** The values in the samples, as Pushwoosh should get them. */
export const IOS_IDFV = "5E4D3C2B-1A09-4F8E-9D7C-6B5A4F3E2D1C";
export const IOS_PUSH_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
export const IOS_CUSTOMER_ID = "webhook-customer-7";
export const ANDROID_MPID = "8016782932541212345";
export const ANDROID_UUID = "8f1d2c3b4a596877";
export const UNREGISTERED_IDFV = "0A1B2C3D-4E5F-4607-8899-AABBCCDDEEFF";

export const WEBHOOK_AUTHORIZATION = DEVELOPMENT_SECRETS.inbound.mparticleWebhookAuthorization ?? "";
