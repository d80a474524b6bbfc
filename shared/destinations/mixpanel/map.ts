import { constants, gzipSync } from "node:zlib";
import type { RelaySecrets } from "../../config/secrets.js";
import { fillBatches, isFull } from "../../fillBatches.js";
import { basicAuthorization } from "../../http/basicAuthorization.js";
import { jsonArrayBody } from "../../http/jsonArrayBody.js";
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

/** An import request before its body is encoded: its events' JSON in order, and whether it is full. */
export interface PlannedImport {
  keys: string[];
  insertIds: string[];
  json: string[];
  /** Another event of its mean size would not fit: carry-over never holds a full import back. */
  full: boolean;
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

/** Events → imports of at most 2000 events and 2 MB of JSON, in order. Each event is serialised once. Pure. */
export function planImports(items: KeyedItem<MixpanelEvent>[]): PlannedImport[] {
  const pieces = items.map(({ key, item }) => ({ key, insertId: item.properties.$insert_id, json: JSON.stringify(item) }));
  // Each piece is counted with a comma, the list with its brackets.
  const limits = { count: IMPORT_LIMITS.events, bytes: IMPORT_LIMITS.bytes, frameBytes: 2 };
  return fillBatches(pieces, (piece) => Buffer.byteLength(piece.json) + 1, limits).map((filled) => ({
    keys: filled.items.map((piece) => piece.key),
    insertIds: filled.items.map((piece) => piece.insertId),
    json: filled.items.map((piece) => piece.json),
    full: isFull(filled, limits),
  }));
}

/**
 * Gzip at its fastest level: on an import of 2,000 Currents events it takes two thirds of the default level's
 * time for a body 4% larger (the events repeat their keys, which any level finds).
 */
const GZIP = { level: constants.Z_BEST_SPEED };

/** A planned import as its gzip `POST /import?strict=1` request; the body is assembled from the pieces. Pure. */
export function importRequest(planned: PlannedImport, credentials: RelaySecrets["mixpanel"], baseUrl: string): ImportRequest {
  const { url, authorization } = importTarget(credentials, baseUrl);
  const headers = { authorization, "content-type": "application/json", "content-encoding": "gzip", accept: "application/json" };
  return { http: { method: "POST", url, headers, body: gzipSync(jsonArrayBody(planned.json), GZIP) }, keys: planned.keys, insertIds: planned.insertIds };
}

/** Events → gzip import requests of at most 2000 events and 2 MB of JSON. Pure. */
export function importRequests(items: KeyedItem<MixpanelEvent>[], credentials: RelaySecrets["mixpanel"], baseUrl: string): ImportRequest[] {
  return planImports(items).map((planned) => importRequest(planned, credentials, baseUrl));
}
