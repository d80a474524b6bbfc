import { PermanentError } from "../../errors.js";
import type { PartnerHttpRequest } from "../../http/partnerRequest.js";
import type { PushwooshCredentials } from "./credentials.js";
import type { PushwooshCall } from "./schema.js";

/** Pure: the exact HTTP request of each Pushwoosh call. */

/** The Seglang expression of an audience segment: this app's devices whose list tag holds the value. */
function segmentExpression(applicationCode: string, tagName: string, tagValue: string): string {
  return `A(${JSON.stringify(applicationCode)}) * T(${JSON.stringify(tagName)}, IN, [${JSON.stringify(tagValue)}])`;
}

export type PushwooshRequest = PartnerHttpRequest & { method: "POST"; body: string };

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

export interface PushwooshRequestOptions {
  /** The account has High-Speed Setup: createFilter then takes `application` (PUSHWOOSH_HIGH_SPEED_SETUP). */
  highSpeedSetup?: boolean;
}

/** The exact HTTP request of one call: device API methods use the header, server API methods `auth`. */
export function toPushwooshRequest(
  call: PushwooshCall,
  credentials: PushwooshCredentials,
  baseUrl: string,
  options: PushwooshRequestOptions = {},
): PushwooshRequest {
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
      // `application`: "usable only with High-Speed Setup; omit otherwise" (docs.pushwoosh.com/platform-docs/api-reference/filters).
      return serverApi(baseUrl, "createFilter", {
        auth: serverToken(credentials),
        ...(options.highSpeedSetup ? { application } : {}),
        name: call.name,
        filter_expression: segmentExpression(application, call.tagName, call.tagValue),
      });
    case "deleteFilter":
      return serverApi(baseUrl, "deleteFilter", { auth: serverToken(credentials), name: call.name });
    case "deleteUser":
      // POST /api/v2/device-api/deleteUser with the Device API token and `application` + `user_id`
      // (docs.pushwoosh.com/developer/api-reference/user-centric-api). ASSUMPTION: the body is not wrapped
      // in {"request": ...}, like the other v2 API (bulkSetTags); the stored reference cuts off there.
      return {
        method: "POST",
        url: `${baseUrl}/api/v2/device-api/deleteUser`,
        headers: { ...JSON_HEADERS, authorization: `Token ${credentials.apiToken}` },
        body: JSON.stringify({ application, user_id: call.userId }),
      };
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
export function bulkStatusRequest(requestId: string, credentials: PushwooshCredentials, baseUrl: string): PartnerHttpRequest {
  return {
    method: "GET",
    url: `${baseUrl}/api/v2/audience/bulkSetTags/${encodeURIComponent(requestId)}`,
    headers: { authorization: `Token ${serverToken(credentials)}` },
  };
}
