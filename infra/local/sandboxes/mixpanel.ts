import { basicCredentials, sameSecret } from "./credentials.js";
import { PartnerSandbox, type SandboxAnswer, type SandboxOptions, type SandboxRequest } from "./sandbox.js";

/** The project's credentials (the shape of the secret document's `mixpanel`). */
type Credentials = { projectToken: string } | { serviceAccount: { username: string; secret: string; projectId: string } };

/**
 * Import API limits per request (https://developer.mixpanel.com/reference/import-events: "up to 2000 events
 * and 2MB uncompressed per request"; its sample 413 says 2097152 bytes; another page says 10 MB: the stricter holds).
 */
const IMPORT_API_LIMITS = { events: 2000, bytes: 2 * 1024 * 1024, insertIdLength: 36, nameLength: 255 } as const;

/**
 * Per-event limits, "the same for /import as for /track" (https://developer.mixpanel.com/reference/track-event,
 * "Limits"; https://docs.mixpanel.com/docs/data-structure/property-reference/data-type): fewer than 255
 * properties, fewer than 255 keys per nested object, nesting depth at most 3 (a property's own object or
 * list is level 1), lists of fewer than 255 items.
 */
export const EVENT_LIMITS = { properties: 255, objectKeys: 255, depth: 3, arrayItems: 255 } as const;

// Before 1971-01-01 Mixpanel rejects the time; below this a number is read as seconds.
const EARLIEST_SECONDS = 31_536_000;
const SECONDS_BELOW = 100_000_000_000;
/**
 * Placeholder ids Mixpanel rejects for `distinct_id` and, "the same list", for `$insert_id`
 * (https://docs.mixpanel.com/troubleshooting/errors/400-bad-request names anon, anonymous, nil, none, null,
 * n/a, 00000000-0000-0000-0000-000000000000 and points to the full list: `badUserIds` of Mixpanel's
 * mixpanel-import tool, which adds <nil>, true, false, lmy47d, ...). Compared case-insensitively.
 */
const PLACEHOLDER_IDS = new Set([
  "anon",
  "anonymous",
  "nil",
  "<nil>",
  "none",
  "null",
  "n/a",
  "na",
  "undefined",
  "unknown",
  "true",
  "false",
  "00000000-0000-0000-0000-000000000000",
  "-1",
  "0",
  "[]",
  "{}",
  "lmy47d",
]);

const isPlaceholder = (id: unknown): boolean => PLACEHOLDER_IDS.has(String(id).trim().toLowerCase());

/** The first nested-limit problem of a property value at `depth` (1 for a property's own object or list). */
function nestedProblem(value: unknown, path: string, depth: number): { field: string; message: string } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (depth > EVENT_LIMITS.depth) return { field: path, message: `'${path}' is invalid: objects and lists may nest at most ${EVENT_LIMITS.depth} levels deep` };
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
  const limit = Array.isArray(value) ? EVENT_LIMITS.arrayItems : EVENT_LIMITS.objectKeys;
  if (entries.length >= limit) {
    return {
      field: path,
      message: `'${path}' is invalid: ${Array.isArray(value) ? "a list" : "an object"} must have fewer than ${limit} ${Array.isArray(value) ? "items" : "keys"}`,
    };
  }
  for (const [key, inner] of entries) {
    const problem = nestedProblem(inner, `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

export interface ImportedEvent {
  event: string;
  properties: Record<string, unknown>;
}

interface FailedRecord {
  index: number;
  insert_id: string;
  field: string;
  message: string;
}

/** Project token as the Basic user, or the service account's user/secret with the project's `project_id`. */
function isAuthorized(request: SandboxRequest, credentials: Credentials): boolean {
  const presented = basicCredentials(request.headers.authorization);
  if (!presented) return false;
  if ("projectToken" in credentials) return sameSecret(presented.user, credentials.projectToken);
  const { username, secret, projectId } = credentials.serviceAccount;
  return request.query.get("project_id") === projectId && sameSecret(presented.user, username) && sameSecret(presented.password, secret);
}

/** The strict-mode check of one event; undefined when it is valid. */
export function validateImportEvent(value: unknown): { field: string; message: string } | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { field: "", message: "event must be an object" };
  const { event, properties } = value as { event?: unknown; properties?: unknown };
  if (typeof event !== "string" || event.trim() === "") return { field: "event", message: "'event' must be a non-empty string" };
  if (event.length > IMPORT_API_LIMITS.nameLength) return { field: "event", message: `'event' must be at most ${IMPORT_API_LIMITS.nameLength} characters` };
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) {
    return { field: "properties", message: "'properties' must be an object" };
  }
  const props = properties as Record<string, unknown>;
  const time = props.time;
  if (typeof time !== "number" || !Number.isFinite(time)) {
    return { field: "properties.time", message: "'properties.time' is invalid: must be specified as seconds or milliseconds since epoch" };
  }
  if ((time < SECONDS_BELOW ? time : time / 1000) < EARLIEST_SECONDS) {
    return { field: "properties.time", message: "'properties.time' is invalid: must be after 1971-01-01" };
  }
  if (typeof props.distinct_id !== "string" && typeof props.distinct_id !== "number") {
    return { field: "properties.distinct_id", message: "'properties.distinct_id' must be specified" };
  }
  if (isPlaceholder(props.distinct_id)) {
    return { field: "properties.distinct_id", message: "'properties.distinct_id' is invalid: it is a placeholder value" };
  }
  const insertId = props.$insert_id;
  if (typeof insertId !== "string" || insertId === "") return { field: "properties.$insert_id", message: "'properties.$insert_id' must be specified" };
  if (insertId.length > IMPORT_API_LIMITS.insertIdLength || !/^[A-Za-z0-9-]+$/.test(insertId)) {
    return {
      field: "properties.$insert_id",
      message: `'properties.$insert_id' is invalid: must be at most ${IMPORT_API_LIMITS.insertIdLength} alphanumeric characters or '-'`,
    };
  }
  if (isPlaceholder(insertId)) return { field: "properties.$insert_id", message: "'properties.$insert_id' is invalid: it is a placeholder value" };
  const names = Object.keys(props);
  if (names.length >= EVENT_LIMITS.properties) {
    return { field: "properties", message: `'properties' is invalid: an event must have fewer than ${EVENT_LIMITS.properties} properties` };
  }
  for (const name of names) {
    const problem = nestedProblem(props[name], `properties.${name}`, 1);
    if (problem) return problem;
  }
  return undefined;
}

function parseEvents(request: SandboxRequest): unknown[] | undefined {
  const text = request.body.toString("utf8");
  try {
    if (String(request.headers["content-type"] ?? "").includes("application/x-ndjson")) {
      return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as unknown);
    }
    const json = JSON.parse(text) as unknown;
    return Array.isArray(json) ? json : [json];
  } catch {
    return undefined;
  }
}

function error(status: number, message: string, statusText: string): SandboxAnswer {
  return { status, body: { code: status, error: message, status: statusText } };
}

function answerImport(request: SandboxRequest, credentials: Credentials, imported: Map<string, ImportedEvent>): SandboxAnswer {
  if (request.method !== "POST" || request.path !== "/import") return error(404, `no such endpoint: ${request.method} ${request.path}`, "Not Found");
  if (!isAuthorized(request, credentials)) return error(401, "Invalid credentials", "Unauthorized");
  if (request.body.length > IMPORT_API_LIMITS.bytes) return error(413, `request body over ${IMPORT_API_LIMITS.bytes} bytes`, "Payload Too Large");
  const events = parseEvents(request);
  if (!events) return error(400, "request body is not valid JSON or NDJSON", "Bad Request");
  if (events.length > IMPORT_API_LIMITS.events) return error(400, `at most ${IMPORT_API_LIMITS.events} events per request`, "Bad Request");
  const strict = request.query.get("strict") === "1";
  const failed: FailedRecord[] = [];
  let importedCount = 0;
  events.forEach((value, index) => {
    const problem = validateImportEvent(value);
    if (problem) {
      const insertId = (value as { properties?: { $insert_id?: unknown } } | null)?.properties?.$insert_id;
      failed.push({ index, insert_id: typeof insertId === "string" ? insertId : "", ...problem });
      return;
    }
    const event = value as ImportedEvent;
    importedCount++;
    // Mixpanel keeps one event per $insert_id: a resent event is deduplicated.
    const insertId = String(event.properties.$insert_id);
    if (!imported.has(insertId)) imported.set(insertId, event);
  });
  if (strict && failed.length > 0) {
    return {
      status: 400,
      body: {
        code: 400,
        error: "some data points in the request failed validation",
        failed_records: failed,
        num_records_imported: importedCount,
        status: "Bad Request",
      },
    };
  }
  // Without strict=1 Mixpanel drops invalid events silently.
  return { status: 200, body: { code: 200, num_records_imported: importedCount, status: "OK" } };
}

/**
 * The Mixpanel Import API on loopback: auth (project token or service account + project_id), gzip,
 * JSON or NDJSON, the 2000-event and 2 MB limits, strict-mode validation with `failed_records` (the
 * valid events are still imported), and deduplication by `$insert_id`.
 */
export class MixpanelSandbox extends PartnerSandbox {
  private readonly importedById: Map<string, ImportedEvent>;

  constructor(credentials: Credentials, options: SandboxOptions = {}) {
    const importedById = new Map<string, ImportedEvent>();
    super("mixpanel", (request) => answerImport(request, credentials, importedById), options);
    this.importedById = importedById;
  }

  /** The events Mixpanel holds, one per $insert_id, in import order. */
  get imported(): ImportedEvent[] {
    return [...this.importedById.values()];
  }
}

export function createMixpanelSandbox(options: SandboxOptions & { mixpanel: Credentials }): MixpanelSandbox {
  const { mixpanel, ...sandboxOptions } = options;
  return new MixpanelSandbox(mixpanel, sandboxOptions);
}
