import { createHash } from "node:crypto";
import { PermanentError } from "../../errors.js";
import { DEVICE_TYPES, type DeviceType, type PushwooshCall, type PushwooshCredentials } from "./schema.js";

/** Pure Pushwoosh conventions: tag typing, device types, hwids, and the HTTP request of each call. */

// A number only when it reads back exactly: "02134", "1.50", "1e3" and 20-digit ids stay strings.
const INTEGER = /^-?(0|[1-9]\d*)$/;
const DECIMAL = /^-?(0|[1-9]\d*)\.\d*[1-9]$/;
// ISO 8601 date, optionally with a time and a zone; no zone means UTC.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** "YYYY-MM-DD HH:mm" in UTC, Pushwoosh's Date tag format; undefined when `value` is no ISO 8601 date. */
export function toPushwooshDate(value: string): string | undefined {
  const match = ISO_DATE.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hours = "00", minutes = "00", seconds = "00", zone] = match;
  const zoned = `${year}-${month}-${day}T${hours}:${minutes}:${seconds}${zone ? zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2") : "Z"}`;
  const date = new Date(zoned);
  // Date rolls 2024-02-30 over to March; a calendar date that does not exist is not a date.
  if (Number.isNaN(date.getTime()) || (!zone && date.getUTCDate() !== Number(day))) return undefined;
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

/** Types an mParticle string attribute: integer, decimal, boolean, date, else the string itself. */
export function toTypedValue(value: string): string | number | boolean {
  if (INTEGER.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) && String(number) === value ? number : value;
  }
  if (DECIMAL.test(value)) {
    const number = Number(value);
    return String(number) === value ? number : value;
  }
  const lower = value.toLowerCase();
  if (lower === "true" || lower === "false") return lower === "true";
  return toPushwooshDate(value) ?? value;
}

export function toTypedValues(values: Record<string, string>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, toTypedValue(value)]));
}

export type TokenKind = "apns" | "fcm" | "web";
export type Platform = "ios" | "android" | "web" | "other";

/** Pushwoosh device_type from the platform and, for the web, the browser in the User-Agent. */
export function deviceTypeFor(platform: Platform, tokenKind: TokenKind | undefined, userAgent = ""): DeviceType | undefined {
  if (tokenKind === "apns" || (platform === "ios" && tokenKind !== "fcm")) return DEVICE_TYPES.ios;
  if (tokenKind === "fcm" || platform === "android") return DEVICE_TYPES.android;
  if (platform !== "web") return undefined;
  if (/Firefox\//.test(userAgent)) return DEVICE_TYPES.firefox;
  if (/(Chrome|Chromium|CriOS|Edg|OPR)\//.test(userAgent)) return DEVICE_TYPES.chrome;
  if (/Safari\//.test(userAgent)) return DEVICE_TYPES.safari;
  return undefined;
}

/** A stable hwid for a device that has no id of its own: the token's hash (the token is the device). */
export function hwidFromToken(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 32);
}

/** The Seglang expression of an audience segment: this app's devices whose list tag holds the value. */
export function segmentExpression(applicationCode: string, tagName: string, tagValue: string): string {
  return `A(${JSON.stringify(applicationCode)}) * T(${JSON.stringify(tagName)}, IN, [${JSON.stringify(tagValue)}])`;
}

export interface PushwooshRequest {
  method: "POST";
  url: string;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { "content-type": "application/json" };

function deviceApi(baseUrl: string, name: string, apiToken: string, request: Record<string, unknown>): PushwooshRequest {
  return {
    method: "POST",
    url: `${baseUrl}/json/1.3/${name}`,
    headers: { ...JSON_HEADERS, authorization: `Token ${apiToken}` },
    body: JSON.stringify({ request }),
  };
}

function serverApi(baseUrl: string, name: string, request: Record<string, unknown>): PushwooshRequest {
  return { method: "POST", url: `${baseUrl}/json/1.3/${name}`, headers: { ...JSON_HEADERS }, body: JSON.stringify({ request }) };
}

function serverToken(credentials: PushwooshCredentials): string {
  // Ingest only builds server API calls when the token is set; an item without one can never succeed.
  if (!credentials.serverApiToken) throw new PermanentError("the Pushwoosh server API token is not configured");
  return credentials.serverApiToken;
}

/** The exact HTTP request of one call: device API methods use the header, server API methods `auth`. */
export function toPushwooshRequest(call: PushwooshCall, credentials: PushwooshCredentials, baseUrl: string): PushwooshRequest {
  const application = credentials.applicationCode;
  switch (call.method) {
    case "setTags":
    case "postEvent":
    case "registerDevice":
    case "unregisterDevice": {
      const { method, ...fields } = call;
      return deviceApi(baseUrl, method, credentials.apiToken, { application, ...fields });
    }
    case "createFilter":
      return serverApi(baseUrl, "createFilter", {
        auth: serverToken(credentials),
        application,
        name: call.name,
        filter_expression: segmentExpression(application, call.tagName, call.tagValue),
      });
    case "deleteFilter":
      return serverApi(baseUrl, "deleteFilter", { auth: serverToken(credentials), name: call.name });
    case "bulkSetTags":
      return {
        method: "POST",
        url: `${baseUrl}/api/v2/audience/bulkSetTags`,
        headers: { ...JSON_HEADERS },
        body: JSON.stringify({ application, auth: serverToken(credentials), create_missing_tags: true, devices: call.devices }),
      };
  }
}

/** The status poll of a bulkSetTags request. */
export function bulkStatusRequest(requestId: string, credentials: PushwooshCredentials, baseUrl: string) {
  return {
    method: "GET" as const,
    url: `${baseUrl}/api/v2/audience/bulkSetTags/${encodeURIComponent(requestId)}`,
    headers: { authorization: `Token ${serverToken(credentials)}` },
  };
}
