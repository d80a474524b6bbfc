import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { TEST_SECRETS } from "../../../support/secrets.js";

/** Real Braze Currents samples (Appboy/currents-examples), one per event type. */
export const FIXTURE_DIR = new URL("../../../fixtures/braze-currents/", import.meta.url);

export type RawBrazeEvent = {
  event_type: string;
  id: string;
  time: number;
  user: Record<string, unknown>;
  properties: Record<string, unknown>;
};

export function fixtureEventTypes(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => (JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), "utf8")) as RawBrazeEvent).event_type);
}

function fixtureFile(eventType: string): string {
  const name = eventType.startsWith("users.") ? eventType : `users.${eventType}`;
  return `${name}.json`;
}

/** The fixture of an event type, as Braze sent it. */
export function fixture(eventType: string): RawBrazeEvent {
  return JSON.parse(readFileSync(new URL(fixtureFile(eventType), FIXTURE_DIR), "utf8")) as RawBrazeEvent;
}

export interface EventOverrides {
  id?: string;
  time?: number;
  /** null removes it. */
  externalUserId?: string | null;
  /** null removes it. */
  platform?: string | null;
  properties?: Record<string, unknown>;
}

/** A fixture event with the given changes (ids must differ in a batch: every fixture shares one). */
export function brazeEvent(eventType: string, overrides: EventOverrides = {}): RawBrazeEvent {
  const event = fixture(eventType);
  if (overrides.id !== undefined) event.id = overrides.id;
  if (overrides.time !== undefined) event.time = overrides.time;
  if (overrides.externalUserId === null) delete event.user.external_user_id;
  else if (overrides.externalUserId !== undefined) event.user.external_user_id = overrides.externalUserId;
  if (overrides.platform === null) delete event.properties.platform;
  else if (overrides.platform !== undefined) event.properties.platform = overrides.platform;
  Object.assign(event.properties, overrides.properties ?? {});
  return event;
}

/** A v4-shaped UUID from a number, readable in assertions. */
export function eventId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

/** An HTTP API (payload v2) request to `POST /braze/currents`, as API Gateway builds it. */
export function currentsRequest(body: unknown, options: { token?: string | null; gzip?: boolean } = {}): APIGatewayProxyEventV2 {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json", "braze-currents-version": "1" };
  const token = options.token === undefined ? TEST_SECRETS.inbound.brazeToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.gzip) headers["content-encoding"] = "gzip";
  return {
    version: "2.0",
    routeKey: "POST /braze/currents",
    rawPath: "/braze/currents",
    rawQueryString: "",
    headers,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method: "POST", path: "/braze/currents", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "Braze Currents" },
      requestId: "req-1",
      routeKey: "POST /braze/currents",
      stage: "$default",
      time: "01/Jan/2026:00:00:00 +0000",
      timeEpoch: 1767225600000,
    },
    body: options.gzip ? gzipSync(text).toString("base64") : text,
    isBase64Encoded: Boolean(options.gzip),
  };
}
