import { gzipSync } from "node:zlib";
import type { RelaySecrets } from "../../config/secrets.js";
import { basicAuthorization } from "../../http/basicAuthorization.js";
import type { PartnerHttpRequest } from "../../http/partnerRequest.js";
import type { KeyedItem } from "../delivery.js";
import type { MixpanelEvent } from "./schema.js";

/**
 * Import API limits per request. Mixpanel's pages disagree on the body (10 MB on "413 Payload Too Large",
 * 2 MB on the import reference and in its sample 413 answer): we keep to the stricter 2 MB.
 */
export const IMPORT_LIMITS = { events: 2000, bytes: 2 * 1024 * 1024 } as const;
const IMPORT_PATH = "/import";

export interface ImportRequest {
  http: PartnerHttpRequest;
  /** The item keys, in the order of the events in the body (Mixpanel names rejects by index). */
  keys: string[];
  insertIds: string[];
}

/** The import URL and Authorization: project token as the Basic user, or a service account plus `project_id`. */
function importTarget(credentials: RelaySecrets["mixpanel"], baseUrl: string): { url: string; authorization: string } {
  const base = `${baseUrl}${IMPORT_PATH}?strict=1`;
  if ("projectToken" in credentials) {
    return { url: base, authorization: basicAuthorization(credentials.projectToken, "") };
  }
  const { username, secret, projectId } = credentials.serviceAccount;
  return { url: `${base}&project_id=${encodeURIComponent(projectId)}`, authorization: basicAuthorization(username, secret) };
}

/**
 * Events → gzip `POST /import?strict=1` requests of at most 2000 events and 2 MB of JSON. Each event is
 * serialised once; the body is assembled from the pieces. Pure.
 */
export function importRequests(items: KeyedItem<MixpanelEvent>[], credentials: RelaySecrets["mixpanel"], baseUrl: string): ImportRequest[] {
  const { url, authorization } = importTarget(credentials, baseUrl);
  const headers = { authorization, "content-type": "application/json", "content-encoding": "gzip", accept: "application/json" };
  const requests: ImportRequest[] = [];
  let pieces: string[] = [];
  let keys: string[] = [];
  let insertIds: string[] = [];
  let bytes = 2;
  const close = () => {
    if (pieces.length === 0) return;
    requests.push({ http: { method: "POST", url, headers, body: gzipSync(`[${pieces.join(",")}]`) }, keys, insertIds });
    pieces = [];
    keys = [];
    insertIds = [];
    bytes = 2;
  };
  for (const { key, item } of items) {
    const piece = JSON.stringify(item);
    const size = Buffer.byteLength(piece) + 1;
    if (pieces.length === IMPORT_LIMITS.events || (pieces.length > 0 && bytes + size > IMPORT_LIMITS.bytes)) close();
    pieces.push(piece);
    keys.push(key);
    insertIds.push(item.properties.$insert_id);
    bytes += size;
  }
  close();
  return requests;
}
