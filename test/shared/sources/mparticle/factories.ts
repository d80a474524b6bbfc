import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { resetSecretsCache } from "../../../../shared/config/secrets.js";
import type { PushwooshCredentials } from "../../../../shared/destinations/pushwoosh/credentials.js";
import { DEVELOPMENT_SECRETS } from "../../../../infra/local/devSecrets.js";
import { secretsFile } from "../../../support/secretsFile.js";

/** Factories for mParticle Firehose tests, built on the real samples in test/fixtures/mparticle-firehose. */

const FIXTURES = new URL("../../../fixtures/mparticle-firehose/", import.meta.url);
type Json = Record<string, unknown>;

export function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) as Json;
}

export const PUSHWOOSH_CREDENTIALS = {
  applicationCode: "ABCDE-12345",
  apiToken: "device-api-token",
  serverApiToken: "server-api-token",
} as const satisfies PushwooshCredentials;

/** A sample request as a customer who configured the Pushwoosh connection would send it. */
export function configured(request: Json, settings: Record<string, string> = PUSHWOOSH_CREDENTIALS): Json {
  const account = request.account as Json;
  return { ...request, id: randomUUID(), account: { ...account, account_settings: { ...(account.account_settings as Json), ...settings } } };
}

const MS = 1714592744066;

export function customEvent(name: string, attributes: Record<string, string> = {}, timestampMs = MS): Json {
  return { type: "custom_event", id: randomUUID(), timestamp_ms: timestampMs, session_id: 1, name, custom_event_type: "other", attributes };
}

export function screenView(screenName: string, attributes: Record<string, string> = {}): Json {
  return { type: "screen_view", id: randomUUID(), timestamp_ms: MS, screen_name: screenName, attributes };
}

export function attributeChange(added: Record<string, string>, removed: Record<string, string> = {}): Json {
  return { type: "user_attribute_change", id: randomUUID(), timestamp_ms: MS, added, removed };
}

export function pushSubscription(action: "subscribe" | "unsubscribe", token: string): Json {
  return { type: "push_subscription", id: randomUUID(), timestamp_ms: MS, action, token };
}

export function stateTransition(state: string): Json {
  return { type: "application_state_transition", id: randomUUID(), timestamp_ms: MS, application_state: state };
}

export const CUSTOMER_ID = "customer-42";

/** The iOS sample, configured, with a raw customer id and the given events and attributes. */
export function iosBatch(events: Json[], extra: Json = {}): Json {
  const sample = configured(fixture("EventProcessingRequest_ios.json"));
  return {
    ...sample,
    user_identities: [...(sample.user_identities as Json[]), { type: "customer", encoding: "raw", value: CUSTOMER_ID }],
    events,
    ...extra,
  };
}

export function heartbeat(sample = "EventProcessingRequest_android.json"): Json {
  const { user_identities: _ids, user_attributes: _attributes, mpid: _mpid, ...rest } = configured(fixture(sample));
  return { ...rest, events: [] };
}

/** A membership change for `count` users (mpids 1000, 1001, ...), each joining `join` and leaving `leave`. */
export function membershipChange(count: number, join: string[], leave: string[] = []): Json {
  const sample = configured(fixture("AudienceMembershipChangeRequest.json"));
  const audiences = [
    ...join.map((name, index) => ({ audience_id: 100 + index, audience_name: name, action: "add" })),
    ...leave.map((name, index) => ({ audience_id: 200 + index, audience_name: name, action: "delete" })),
  ];
  const user_profiles = Array.from({ length: count }, (_, index) => ({
    mpid: String(1000 + index),
    user_identities: [],
    device_identities: [],
    audiences: audiences.map((audience) => ({ ...audience })),
  }));
  return { ...sample, user_profiles };
}

/** An HTTP API (payload 2.0) event as API Gateway builds it. */
export function apiEvent(path: string, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: "2.0",
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/json", ...headers },
    requestContext: {
      accountId: "000000000000",
      apiId: "test",
      domainName: "relay.example.com",
      domainPrefix: "relay",
      http: { method: "POST", path, protocol: "HTTP/1.1", sourceIp: "203.0.113.9", userAgent: "mParticle" },
      requestId: randomUUID(),
      routeKey: `POST ${path}`,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export const MPARTICLE_TOKEN = DEVELOPMENT_SECRETS.inbound.mparticleToken;
export const AUTHORIZED = { authorization: `Token ${MPARTICLE_TOKEN}` };

/** Points loadSecrets() at a file holding the development secret document. */
export function useDevelopmentSecrets(): void {
  process.env.RELAY_SECRETS_FILE = secretsFile(DEVELOPMENT_SECRETS);
  resetSecretsCache();
}
