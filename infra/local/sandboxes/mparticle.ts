import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { basicCredentials, sameSecret } from "./credentials.js";
import { PartnerSandbox, type RecordedCall, type SandboxAnswer, type SandboxOptions, type SandboxRequest } from "./sandbox.js";

/** The input feeds whose key/secret the sandbox accepts (the shape of the secret document's `mparticle.feeds`). */
export type MparticleFeedName = "ios" | "android" | "web" | "unbound";
type Feeds = Record<MparticleFeedName, { key: string; secret: string }>;

/** Events API limits (mParticle "default service limits"). */
export const EVENTS_API_LIMITS = { batchesPerRequest: 100, requestBytes: 256 * 1024, batchBytes: 128 * 1024 } as const;

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
export function feedOfAuthorization(header: string | undefined, feeds: Feeds): MparticleFeedName | undefined {
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

function answerEventsApi(request: SandboxRequest, feeds: Feeds, accepted: AcceptedBatch[]): SandboxAnswer {
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
  const problems: Array<{ code: string; message: string }> = [];
  batches.forEach((batch, index) => {
    if (Buffer.byteLength(JSON.stringify(batch)) >= EVENTS_API_LIMITS.batchBytes) {
      problems.push({ code: "PAYLOAD_TOO_LARGE", message: `batch ${index} must be under ${EVENTS_API_LIMITS.batchBytes} bytes` });
    }
    for (const line of validateEventsApiBatch(batch)) problems.push({ code: "VALIDATION_ERROR", message: `batch ${index}: ${line}` });
  });
  if (problems.some((problem) => problem.code === "PAYLOAD_TOO_LARGE")) return { status: 413, body: { errors: problems } };
  if (problems.length > 0) return { status: 400, body: { errors: problems } };
  for (const batch of batches) accepted.push({ feed, batch: batch as Record<string, unknown> });
  return { status: 202 };
}

/**
 * The mParticle Events API on loopback: Basic auth against the configured input feeds, every batch
 * validated against mParticle's published JSON schema, the size and count limits, 202 when accepted.
 */
export class MparticleSandbox extends PartnerSandbox {
  /** Batches answered 202, in order, with the feed whose credentials sent them. */
  readonly accepted: AcceptedBatch[];

  constructor(private readonly feeds: Feeds, options: SandboxOptions = {}) {
    const accepted: AcceptedBatch[] = [];
    super("mparticle", (request) => answerEventsApi(request, feeds, accepted), options);
    this.accepted = accepted;
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
