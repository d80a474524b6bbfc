import { gzipSync } from "node:zlib";
import type { RelaySecrets } from "../../config/secrets.js";
import { fillBatches } from "../../fillBatches.js";
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
  const pieces = items.map(({ key, item }) => ({ key, insertId: item.properties.$insert_id, json: JSON.stringify(item) }));
  // Each piece is counted with a comma, the list with its brackets.
  const batches = fillBatches(pieces, (piece) => Buffer.byteLength(piece.json) + 1, { count: IMPORT_LIMITS.events, bytes: IMPORT_LIMITS.bytes, frameBytes: 2 });
  return batches.map(({ items: batch }) => ({
    http: { method: "POST", url, headers, body: gzipSync(`[${batch.map((piece) => piece.json).join(",")}]`) },
    keys: batch.map((piece) => piece.key),
    insertIds: batch.map((piece) => piece.insertId),
  }));
}
