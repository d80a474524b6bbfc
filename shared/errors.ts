import { redactText } from "./observability.js";

/**
 * The one error taxonomy. What a worker does with a failed work item depends only on the class:
 * - RetryableError: the same request may succeed later (timeouts, resets, 408, 429, 5xx).
 * - PermanentError: it never will (400, partner argument errors, strict-mode rejects); park at once.
 * - AuthError: the credentials are wrong; keep the data, back off long, alarm.
 * - ValidationError: our input is malformed (a webhook body, a work item); 400 at ingest, park in a worker.
 */
export type ErrorClass = "retryable" | "permanent" | "auth" | "validation";

export interface RelayErrorDetails {
  /** HTTP status the partner answered, when there was an answer. */
  status?: number;
  /** The partner's own words, trimmed; never a credential. */
  partnerMessage?: string;
  /** Seconds the partner asked us to wait (Retry-After). */
  retryAfterSeconds?: number;
  /** The offending field, for validation errors. */
  field?: string;
  cause?: unknown;
}

export abstract class RelayError extends Error {
  abstract readonly errorClass: ErrorClass;
  readonly status?: number;
  readonly partnerMessage?: string;
  readonly retryAfterSeconds?: number;
  readonly field?: string;

  constructor(message: string, details: RelayErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    // The partner's words may echo the credential it refused; they are logged and parked, so never verbatim.
    this.partnerMessage = details.partnerMessage === undefined ? undefined : redactText(details.partnerMessage);
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.field = details.field;
  }
}

export class RetryableError extends RelayError {
  readonly errorClass = "retryable" as const;
}

/**
 * The partner could not be reached: a timeout, a reset or refused connection, or a call not attempted
 * because the partner is down (shared/queue/partnerHealth.ts). An outage, never the message's fault.
 */
export class PartnerUnreachableError extends RetryableError {}

/** A call not sent because the partner asked us to slow down (shared/http/pacer.ts): a 429 we did not wait for. */
export class PartnerThrottledError extends RetryableError {}

export class PermanentError extends RelayError {
  readonly errorClass = "permanent" as const;
}

export class AuthError extends RelayError {
  readonly errorClass = "auth" as const;
}

export class ValidationError extends RelayError {
  readonly errorClass = "validation" as const;
}

/** What a failed schema parse reports (a zod error, described by shape so this module needs no zod). */
export interface ParseFailure {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}

/**
 * A failed parse as a ValidationError: its message and `field` name the first issue's path under `prefix`,
 * `root` when that path is empty.
 */
export function validationErrorOf(failure: ParseFailure, prefix: ReadonlyArray<string | number> = [], root = "body"): ValidationError {
  const issue = failure.issues[0];
  const path = [...prefix, ...(issue?.path ?? [])].map(String);
  const field = path.length > 0 ? path.join(".") : root;
  return new ValidationError(`${field}: ${issue?.message ?? "invalid"}`, { field });
}

/**
 * Too large to take: a body or its decompressed form over the route's limit, too many events in one
 * request, or one event too large for any SQS message. Ingest answers 413 (Braze then splits the batch);
 * a worker parks it like any validation error.
 */
export class PayloadTooLargeError extends ValidationError {
  override readonly status = 413;
  /** The offending event's id, when one event is the cause. */
  readonly eventId?: string;

  constructor(message: string, details: RelayErrorDetails & { eventId?: string } = {}) {
    super(message, details);
    this.eventId = details.eventId;
  }
}

/** A body in a media type or content encoding ingest does not take: 415. */
export class UnsupportedMediaTypeError extends ValidationError {
  override readonly status = 415;
}

/**
 * The relay secret lacks a value a route needs (missing, empty or still the template's placeholder).
 * Ingest answers 503, naming the field, never its value: the sender retries once someone fills it in.
 */
export class SecretNotConfiguredError extends RetryableError {
  /** The secret document's field, e.g. `inbound.brazeToken`; `document` when the document cannot be loaded. */
  declare readonly field: string;
  constructor(field: string) {
    super(`relay secret not configured: ${field}`, { field });
  }
}

/**
 * What became of one event (or one partner item) in a delivery: the one outcome type of every destination.
 * `carried`: not sent on purpose, to fill a request of the next invocation (shared/queue/carry.ts).
 */
export type DeliveryOutcome = { kind: "delivered" } | { kind: "carried" } | { kind: "skipped"; reason: string } | { kind: "failed"; error: RelayError };

const PARTNER_MESSAGE_MAX = 500;

/** Parses Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Maps a partner's HTTP answer onto the taxonomy; undefined means success.
 * Partners with a body-level status (Pushwoosh `status_code`) check it after this says the HTTP part is fine.
 */
export function classifyResponse(
  partner: string,
  response: { status: number; headers: { get(name: string): string | null } },
  bodyText: string,
): RelayError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const details: RelayErrorDetails = {
    status,
    partnerMessage: bodyText.slice(0, PARTNER_MESSAGE_MAX),
    retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after")),
  };
  const message = `${partner} answered HTTP ${status}`;
  if (status === 401 || status === 403) return new AuthError(message, details);
  // 408 Request Timeout and 429 Too Many Requests: the same request may succeed later.
  if (status === 408 || status === 429 || status >= 500) return new RetryableError(message, details);
  return new PermanentError(message, details);
}

/**
 * What one partner call says about the partner (not about the message): `outage` (no answer, 408 or 5xx),
 * `throttled` (429: slow down) or `answered` (anything else, 4xx included: the partner is up and judged
 * the request). shared/queue/partnerHealth.ts decides from these whether a partner is down.
 */
export type PartnerOutcome = "outage" | "throttled" | "answered";

export function partnerOutcomeOf(status: number): PartnerOutcome {
  if (status === 429) return "throttled";
  return status === 408 || status >= 500 ? "outage" : "answered";
}

/**
 * What a failed delivery says about its partner: `outage` or `throttled` when the failure is the partner's
 * state (held, no attempt spent, while the partner is down or throttling), undefined when it may be the
 * message's (the retry policy's five attempts).
 */
export function partnerConditionOf(error: RelayError): Exclude<PartnerOutcome, "answered"> | undefined {
  if (error instanceof PartnerThrottledError) return "throttled";
  if (error instanceof PartnerUnreachableError) return "outage";
  if (error.errorClass !== "retryable" || error.status === undefined) return undefined;
  const outcome = partnerOutcomeOf(error.status);
  return outcome === "answered" ? undefined : outcome;
}

/** Anything thrown that is not ours is treated as retryable: a bug fixed and redeployed can then succeed. */
export function toRelayError(error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RetryableError(`unexpected error: ${message}`, { cause: error });
}
