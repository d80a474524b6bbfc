import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { basicCredentials, sameSecret } from "./credentials.js";
import { PartnerSandbox, type RecordedCall, type SandboxAnswer, type SandboxOptions, type SandboxRequest } from "./sandbox.js";

/** The input feeds whose key/secret the sandbox accepts (the shape of the secret document's `mparticle.feeds`). */
export type MparticleFeedName = "ios" | "android" | "web" | "unbound";
type Feeds = Record<MparticleFeedName, { key: string; secret: string }>;

/**
 * Events API limits: at most 100 batches per bulk request and "total request size must be under 256kb"
 * (https://docs.mparticle.com/developers/server/http, https://docs.mparticle.com/guides/default-service-limits);
 * "each batch should not exceed 128kb" (developers/server/http, "Maximizing Performance").
 */
const EVENTS_API_LIMITS = { batchesPerRequest: 100, requestBytes: 256 * 1024, batchBytes: 128 * 1024 } as const;

/**
 * Per-batch limits (https://docs.mparticle.com/guides/default-service-limits, "Incoming Event Batches"):
 * 100 attributes per event and 100 user attributes per batch, names ≤ 256 and values ≤ 4096 characters,
 * user attribute lists of ≤ 1000 entries of ≤ 512 characters. For server-to-server data mParticle documents
 * that it truncates over-long event and attribute names (the sandbox truncates them too); what it does with
 * the other excesses is not documented for S2S, so the sandbox drops the batch (strict on what we send).
 */
const BATCH_LIMITS = { attributes: 100, nameLength: 256, valueLength: 4096, listItems: 1000, listItemLength: 512 } as const;

const SCHEMA_FILE = new URL("./contracts/mparticle-events-api.schema.json", import.meta.url);
let validator: ValidateFunction | undefined;

/**
 * The published Events API batch schema, compiled once. Strict mode off: the schema uses draft-07
 * liberties; formats off: only the batch `ip` has one (ipv4/ipv6) and we never send it.
 */
function batchValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as object);
  }
  return validator;
}

/** Schema violations of one batch, as "path message" lines; empty when it is valid. */
export function validateEventsApiBatch(batch: unknown): string[] {
  const validate = batchValidator();
  if (validate(batch)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`);
}

function errors(status: number, code: string, message: string): SandboxAnswer {
  return { status, body: { errors: [{ code, message }] } };
}

/** The feed whose key and secret the Basic header carries. */
function feedOfAuthorization(header: string | undefined, feeds: Feeds): MparticleFeedName | undefined {
  const presented = basicCredentials(header);
  if (!presented) return undefined;
  return (Object.keys(feeds) as MparticleFeedName[]).find(
    (feed) => sameSecret(presented.user, feeds[feed].key) && sameSecret(presented.password, feeds[feed].secret),
  );
}

export interface AcceptedBatch {
  feed: MparticleFeedName;
  batch: Record<string, unknown>;
}

/** A batch of an accepted bulk request that mParticle did not take, and why. */
export interface DroppedBatch extends AcceptedBatch {
  reasons: string[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** Where a bag of attributes breaks the per-batch limits (names are truncated, not counted as problems). */
function attributeProblems(bag: unknown, path: string): string[] {
  if (!isObject(bag)) return [];
  const problems: string[] = [];
  const entries = Object.entries(bag);
  if (entries.length > BATCH_LIMITS.attributes) problems.push(`${path} has ${entries.length} attributes; at most ${BATCH_LIMITS.attributes}`);
  for (const [name, value] of entries) {
    const shown = name.slice(0, 40);
    if (typeof value === "string" && value.length > BATCH_LIMITS.valueLength) problems.push(`${path}.${shown} is over ${BATCH_LIMITS.valueLength} characters`);
    if (Array.isArray(value)) {
      if (value.length > BATCH_LIMITS.listItems) problems.push(`${path}.${shown} has over ${BATCH_LIMITS.listItems} entries`);
      if (value.some((item) => typeof item === "string" && item.length > BATCH_LIMITS.listItemLength))
        problems.push(`${path}.${shown} has an entry over ${BATCH_LIMITS.listItemLength} characters`);
    }
  }
  return problems;
}

/** Why mParticle would not take this batch: schema violations, its size, the per-batch limits. */
export function batchProblems(batch: unknown): string[] {
  const problems = validateEventsApiBatch(batch);
  if (Buffer.byteLength(JSON.stringify(batch)) >= EVENTS_API_LIMITS.batchBytes) problems.push(`batch must be under ${EVENTS_API_LIMITS.batchBytes} bytes`);
  if (!isObject(batch)) return problems;
  problems.push(...attributeProblems(batch.user_attributes, "user_attributes"));
  const events = Array.isArray(batch.events) ? batch.events : [];
  events.forEach((event, index) => {
    if (isObject(event) && isObject(event.data)) problems.push(...attributeProblems(event.data.custom_attributes, `events.${index}.data.custom_attributes`));
  });
  return problems;
}

function truncatedKeys(bag: unknown): unknown {
  if (!isObject(bag)) return bag;
  return Object.fromEntries(Object.entries(bag).map(([name, value]) => [name.slice(0, BATCH_LIMITS.nameLength), value]));
}

/** The batch as mParticle stores it: event and attribute names cut to 256 characters. */
function asStored(batch: Json): Json {
  const events = Array.isArray(batch.events) ? batch.events : [];
  return {
    ...batch,
    ...(batch.user_attributes ? { user_attributes: truncatedKeys(batch.user_attributes) } : {}),
    events: events.map((event: unknown) => {
      if (!isObject(event) || !isObject(event.data)) return event;
      const data: Json = { ...event.data, custom_attributes: truncatedKeys(event.data.custom_attributes) };
      if (typeof data.event_name === "string") data.event_name = data.event_name.slice(0, BATCH_LIMITS.nameLength);
      return { ...event, data };
    }),
  };
}

function answerEventsApi(request: SandboxRequest, feeds: Feeds, accepted: AcceptedBatch[], dropped: DroppedBatch[]): SandboxAnswer {
  const bulk = request.path === "/v2/bulkevents";
  if (request.method !== "POST" || (!bulk && request.path !== "/v2/events")) {
    return errors(404, "NOT_FOUND", `no such resource: ${request.method} ${request.path}`);
  }
  const feed = feedOfAuthorization(request.headers.authorization, feeds);
  if (!feed) return errors(401, "UNAUTHORIZED", "The request was not authorized: unknown API key or secret");
  if (request.body.length >= EVENTS_API_LIMITS.requestBytes) {
    return errors(413, "PAYLOAD_TOO_LARGE", `request body must be under ${EVENTS_API_LIMITS.requestBytes} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(request.body.toString("utf8"));
  } catch {
    return errors(400, "BAD_REQUEST", "request body is not valid JSON");
  }
  if (bulk && !Array.isArray(json)) return errors(400, "BAD_REQUEST", "bulkevents takes a JSON array of batches");
  const batches: unknown[] = bulk ? (json as unknown[]) : [json];
  if (batches.length > EVENTS_API_LIMITS.batchesPerRequest) {
    return errors(400, "BAD_REQUEST", `at most ${EVENTS_API_LIMITS.batchesPerRequest} batches per request`);
  }
  const checked = batches.map((batch) => ({ batch, problems: batchProblems(batch) }));
  if (!bulk) {
    // One batch on /v2/events: "400 Bad Request" for a malformed batch (developers/server/http).
    const problems = checked[0]?.problems ?? [];
    if (problems.length > 0) return { status: 400, body: { errors: problems.map((message) => ({ code: "VALIDATION_ERROR", message })) } };
  }
  // "If some event batches succeed and some event batches fail, you will still get an Accepted response"
  // (developers/server/http, /v2/bulkevents): the bad batches are dropped behind the 202.
  for (const { batch, problems } of checked) {
    if (problems.length > 0) dropped.push({ feed, batch: batch as Json, reasons: problems });
    else accepted.push({ feed, batch: asStored(batch as Json) });
  }
  return { status: 202 };
}

/**
 * The mParticle Events API on loopback: Basic auth against the configured input feeds, every batch
 * validated against mParticle's published JSON schema, the size, count and attribute limits. A bad batch
 * inside a bulk request is answered 202 like the good ones and dropped, as mParticle does.
 */
export class MparticleSandbox extends PartnerSandbox {
  /** Batches mParticle took, in order, with the feed whose credentials sent them (names truncated as stored). */
  readonly accepted: AcceptedBatch[];
  /** Batches of 202-answered bulk requests that mParticle dropped, with the reasons. */
  readonly dropped: DroppedBatch[];

  constructor(
    private readonly feeds: Feeds,
    options: SandboxOptions = {},
  ) {
    const accepted: AcceptedBatch[] = [];
    const dropped: DroppedBatch[] = [];
    super("mparticle", (request) => answerEventsApi(request, feeds, accepted, dropped), options);
    this.accepted = accepted;
    this.dropped = dropped;
  }

  /** The feed whose credentials a recorded call used (undefined when they matched none). */
  feedOf(call: RecordedCall): MparticleFeedName | undefined {
    return feedOfAuthorization(call.headers.authorization, this.feeds);
  }
}

export function createMparticleSandbox(options: SandboxOptions & { feeds: Feeds }): MparticleSandbox {
  const { feeds, ...sandboxOptions } = options;
  return new MparticleSandbox(feeds, sandboxOptions);
}
