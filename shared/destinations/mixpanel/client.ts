import { gzipSync } from "node:zlib";
import type { RelaySecrets } from "../../config/secrets.js";
import { partnerBaseUrl } from "../../config/settings.js";
import { PermanentError, classifyResponse } from "../../errors.js";
import { basicAuthorization } from "../../http/basicAuthorization.js";
import { partnerRequest } from "../../http/partnerRequest.js";
import { logger } from "../../observability.js";
import { importResponseSchema, type MixpanelEvent } from "./schema.js";

export const PARTNER = "mixpanel";
export const IMPORT_PATH = "/import";

/** The import URL and Authorization: project token as the Basic user, or a service account plus `project_id`. */
export function importTarget(credentials: RelaySecrets["mixpanel"]): { url: string; authorization: string } {
  const base = `${partnerBaseUrl("MIXPANEL_API_URL")}${IMPORT_PATH}?strict=1`;
  if ("projectToken" in credentials) {
    return { url: base, authorization: basicAuthorization(credentials.projectToken, "") };
  }
  const { username, secret, projectId } = credentials.serviceAccount;
  return { url: `${base}&project_id=${encodeURIComponent(projectId)}`, authorization: basicAuthorization(username, secret) };
}

/**
 * One gzip `POST /import?strict=1`. Resolves to the events Mixpanel rejected (by index in `events`, as
 * PermanentErrors carrying Mixpanel's message); every other event was imported. Throws the classified
 * RelayError when the request as a whole failed.
 */
export async function importEvents(
  events: MixpanelEvent[],
  credentials: RelaySecrets["mixpanel"],
): Promise<Map<number, PermanentError>> {
  const { url, authorization } = importTarget(credentials);
  const response = await partnerRequest(PARTNER, url, {
    method: "POST",
    headers: { authorization, "content-type": "application/json", "content-encoding": "gzip", accept: "application/json" },
    body: gzipSync(JSON.stringify(events)),
  });
  logger.debug("mixpanel import request", { events: events.length, status: response.status, latencyMs: response.latencyMs });
  const failed = new Map<number, PermanentError>();
  if (response.status === 400) {
    let json: unknown;
    try {
      json = JSON.parse(response.bodyText);
    } catch {
      json = undefined;
    }
    const parsed = importResponseSchema.safeParse(json);
    const records = parsed.success ? (parsed.data.failed_records ?? []) : [];
    for (const record of records) {
      const insertId = record.insert_id ?? record.$insert_id;
      const index = record.index ?? events.findIndex((event) => event.properties.$insert_id === insertId);
      if (index < 0 || index >= events.length) continue;
      const message = record.message ?? "rejected by strict-mode validation";
      failed.set(index, new PermanentError(`mixpanel rejected the event: ${message}`, {
        status: 400, partnerMessage: message, field: record.field,
      }));
    }
    // A strict-mode 400 names its rejects; a 400 that names none rejected the request itself.
    if (failed.size > 0) return failed;
  }
  const error = classifyResponse(PARTNER, response, response.bodyText);
  if (error) throw error;
  return failed;
}
