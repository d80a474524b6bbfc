import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { DEVELOPMENT_SECRETS } from "../../../../infra/local/devSecrets.js";
import { parseEventsApiJson } from "../../../../shared/sources/mparticle/eventsApiBatch.js";
import { defined } from "../../../support/defined.js";

/** mParticle's published samples of its JSON batches (test/fixtures/mparticle-webhook, see its README for the sources). */

const FIXTURES = new URL("../../../fixtures/mparticle-webhook/", import.meta.url);
const SCHEMA = new URL("../../../../infra/local/sandboxes/contracts/mparticle-events-api.schema.json", import.meta.url);

type Fixture =
  "json-reference-master-sample.json" | "json-reference-events.json" | "json-reference-outgoing-user-identities.json" | "azure-blob-storage-batches.ndjson";
type Json = Record<string, unknown>;

/** A sample's text: its 64-bit ids are only exact in the text. */
export function webhookFixtureText(name: Fixture): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

/** A sample as the door parses it (64-bit integers kept as digit strings). */
function parsed<Value>(name: Fixture): Value {
  return parseEventsApiJson(webhookFixtureText(name)) as Value;
}

/** The JSON reference's "Master Sample" batch (its inbound form, as the Events API takes it). */
export function masterSample(): Json {
  return parsed("json-reference-master-sample.json");
}

/** The JSON reference's sample of one event type (`custom_event`, `screen_view`, `push_registration`, `uninstall`). */
export function publishedEvent(type: "custom_event" | "screen_view" | "push_registration" | "uninstall"): { event_type: string; data: Json } {
  return defined(parsed<Record<string, { event_type: string; data: Json }>>("json-reference-events.json")[type]);
}

/** The JSON reference's "Outgoing User Identities" example. */
export function outgoingUserIdentities(): Json[] {
  return parsed("json-reference-outgoing-user-identities.json");
}

/**
 * The Master Sample made outgoing as the JSON reference says ("Differences between incoming and outgoing
 * JSON"): `user_identities` as its "Outgoing User Identities" array, and the 64-bit `mpid` of its "Overall
 * Structure" sample as the number literal mParticle prints. Text, so the mpid stays exact.
 */
export function outgoingMasterSampleText(events: unknown[] = masterSample().events as unknown[]): string {
  const batch = { ...masterSample(), user_identities: outgoingUserIdentities(), events };
  return `{"mpid":7346244611012968789,${JSON.stringify(batch).slice(1)}`;
}
export const OUTGOING_MPID = "7346244611012968789";
export const OUTGOING_CUSTOMER_ID = "h.jekyll.md";

/** The Azure Blob Storage output's two batches (one per line there), as the array "Send as Batch" POSTs. */
export function azureBatchesText(): string {
  return `[${webhookFixtureText("azure-blob-storage-batches.ndjson").trim().split("\n").join(",")}]`;
}

/** Validates one batch against mParticle's published (inbound) Events API schema. */
export const eventsApiValidator = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(
  JSON.parse(readFileSync(SCHEMA, "utf8")) as object,
);

/** The values in the samples, as Pushwoosh should get them. */
export const MASTER_IDFV = "8c61383f-2216-4713-8c1c-1cb0a5d7a4cc";
/** The Master Sample's `<e481f135 9629f0c3 ...>` APNs token as its 64 hex digits. */
export const MASTER_PUSH_TOKEN = "e481f1359629f0c3fb634be082ca18b173ea45a2b0b96a6e2a00c829bc9ff6eb";
export const MASTER_CUSTOMER_ID = "1234";

export const WEBHOOK_AUTHORIZATION = DEVELOPMENT_SECRETS.inbound.mparticleWebhookAuthorization ?? "";
