import { timingSafeEqual, hash, randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type * as z from "../zod.js";
import { isConfiguredSecretValue, loadSecrets, type InboundSecrets } from "../config/secrets.js";
import {
  AuthError,
  PayloadTooLargeError,
  RelayError,
  SecretNotConfiguredError,
  UnsupportedMediaTypeError,
  ValidationError,
  validationErrorOf,
} from "../errors.js";
import { createMetrics, logger, publishCount, SECRET_NOT_CONFIGURED_METRIC } from "../observability.js";
import { keepSourceTexts } from "../sourceText.js";
import { scanJson, type JsonScan } from "./jsonScan.js";
import type { IngestLimits } from "./limits.js";
import type { RouteAuth } from "./routeAuth.js";

/** An ingest request once the chain ran: the body as parsed JSON, within the route's limits. */
export type IngestEvent = APIGatewayProxyEventV2 & { json: unknown; correlationId: string };
export type IngestResult = APIGatewayProxyStructuredResultV2;
/** A route's own JSON parser, given the text and what ingest's scan of it found (its long integers among them). */
export type JsonParser = (text: string, scan: JsonScan) => unknown;

/** A correlation id a caller may set: a plain token, since it travels in logs and SQS attributes. */
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** application/json and its structured suffix (application/<anything>+json). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;
const QUOTES = /"/g;
/** Refuses bytes that are not UTF-8 instead of replacing them. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

export function jsonResponse(statusCode: number, body: unknown): IngestResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** `name` in lower case: API Gateway (payload 2.0) and the local server lower-case header names. */
function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name];
}

function sha256(value: string): Buffer {
  return hash("sha256", value, "buffer");
}
/** Digests of the configured credentials (a handful: current and previous per route), hashed once per container. */
const configuredDigests = new Map<string, Buffer>();

function configuredDigest(expected: string): Buffer {
  let digest = configuredDigests.get(expected);
  if (!digest) {
    digest = sha256(expected);
    if (configuredDigests.size < 16) configuredDigests.set(expected, digest);
  }
  return digest;
}

/**
 * Gives the request a correlation id (the caller's, else API Gateway's request id). A caller's id is kept
 * when it is a plain token: it travels in logs and SQS attributes.
 */
function correlate(): MiddlewareObj<IngestEvent, IngestResult> {
  return {
    before: async function correlateBefore(request) {
      const { event } = request;
      const offered = header(event, "x-correlation-id");
      event.correlationId = (offered && CORRELATION_ID.test(offered) ? offered : undefined) || event.requestContext?.requestId || randomUUID();
      logger.appendKeys({ correlationId: event.correlationId });
    },
  };
}

const metrics = createMetrics({});
/** Fields already logged as unconfigured: one error line per field per cold start, not per request. */
const reportedUnconfigured = new Set<string>();

/** A request refused with 503 for an unconfigured secret field: logged once per field, counted every time. */
function reportUnconfigured(field: string): void {
  if (!reportedUnconfigured.has(field)) {
    reportedUnconfigured.add(field);
    logger.error("relay secret not configured: requests that need it are refused with 503", { field });
  }
  publishCount(metrics, SECRET_NOT_CONFIGURED_METRIC, 1);
}

/** The credential the header presents; undefined without one in the route's scheme (case-insensitive, RFC 9110). */
function presentedCredential(value: string | undefined, scheme: RouteAuth["scheme"]): string | undefined {
  if (value === undefined) return undefined;
  if (scheme === null) return value.trim();
  const prefix = `${scheme.toLowerCase()} `;
  return value.toLowerCase().startsWith(prefix) ? value.slice(prefix.length).trim() : undefined;
}

/**
 * Both comparisons always run, in constant time, so timing tells neither whether nor which one matched; the
 * presented credential is hashed once, which makes the lengths equal so length does not leak either.
 */
function matchesEither(presented: string, current: string, previous: string): boolean {
  const digest = sha256(presented);
  const matchesCurrent = timingSafeEqual(digest, configuredDigest(current));
  const matchesPrevious = timingSafeEqual(digest, configuredDigest(previous));
  return matchesCurrent || matchesPrevious;
}

/**
 * Requires the Authorization header to carry the current or the previous credential of the secret
 * document, compared in constant time with both. Fails closed: an unconfigured current credential
 * refuses every request with 503.
 */
export function requireAuthorization(options: RouteAuth): MiddlewareObj<IngestEvent, IngestResult> {
  return {
    before: async function requireAuthorizationBefore(request) {
      let inbound: InboundSecrets;
      try {
        inbound = (await loadSecrets()).inbound;
      } catch (error) {
        // loadSecrets' messages never echo the document's content.
        logger.error("relay secret could not be loaded", { error: (error as Error).message });
        throw new SecretNotConfiguredError("document");
      }
      const current = inbound[options.current];
      if (!isConfiguredSecretValue(current)) throw new SecretNotConfiguredError(`inbound.${options.current}`);
      const previous = options.previous ? inbound[options.previous] : undefined;
      const presented = presentedCredential(header(request.event, "authorization"), options.scheme);
      // An empty credential needs no check of its own: it matches neither, both being configured, so never blank.
      if (presented === undefined || !matchesEither(presented, current, isConfiguredSecretValue(previous) ? previous : current)) {
        const expected = options.scheme === null ? "the configured value" : `"${options.scheme} <token>"`;
        throw new AuthError(`missing or wrong Authorization header (expected ${expected})`, { field: "authorization" });
      }
    },
  };
}

function checkContentType(value: string | undefined): void {
  // Braze documents no content type; a missing one is taken as JSON.
  if (value === undefined || value.trim() === "") return;
  const [mediaType = "", ...parameters] = value.split(";").map((part) => part.trim().toLowerCase());
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new UnsupportedMediaTypeError(`content-type must be application/json, not ${JSON.stringify(mediaType.slice(0, 100))}`, { field: "content-type" });
  }
  const charset = parameters
    .find((parameter) => parameter.startsWith("charset="))
    ?.slice("charset=".length)
    .replace(QUOTES, "");
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    throw new UnsupportedMediaTypeError("content-type charset must be utf-8", { field: "content-type" });
  }
}

function isGzip(value: string | undefined): boolean {
  const encoding = (value ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return false;
  if (encoding === "gzip" || encoding === "x-gzip") return true;
  throw new UnsupportedMediaTypeError(`content-encoding must be gzip or absent, not ${JSON.stringify(encoding.slice(0, 100))}`, { field: "content-encoding" });
}

function tooLarge(what: string, limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`body: ${what} is larger than the limit of ${limit} bytes`);
}

/**
 * The body as text within the limits, each size checked before the work it guards: base64 is sized from its
 * length, gzip while inflating. A plain body is already text: it is sized as UTF-8 and taken as it is (a lone
 * surrogate, which UTF-8 cannot carry, reads as U+FFFD, as decoding its UTF-8 would make it).
 */
function bodyText(event: APIGatewayProxyEventV2, gzip: boolean, limits: IngestLimits): string {
  const body = event.body ?? "";
  let bytes: Buffer;
  if (event.isBase64Encoded) {
    const padding = body.endsWith("==") ? 2 : body.endsWith("=") ? 1 : 0;
    if (Math.floor((body.length * 3) / 4) - padding > limits.maxBodyBytes) throw tooLarge("the body", limits.maxBodyBytes);
    bytes = Buffer.from(body, "base64");
  } else {
    const size = Buffer.byteLength(body);
    if (size > limits.maxBodyBytes) throw tooLarge("the body", limits.maxBodyBytes);
    if (!gzip) {
      if (size > limits.maxDecodedBytes) throw tooLarge("the body", limits.maxDecodedBytes);
      return body.isWellFormed() ? body : body.toWellFormed();
    }
    // Buffer's default encoding: UTF-8.
    bytes = Buffer.from(body);
  }
  if (gzip) bytes = gunzip(bytes, limits.maxDecodedBytes);
  else if (bytes.length > limits.maxDecodedBytes) throw tooLarge("the body", limits.maxDecodedBytes);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ValidationError("body is not valid UTF-8");
  }
}

function gunzip(bytes: Buffer, limit: number): Buffer {
  try {
    // maxOutputLength stops inflation as soon as the output passes the limit: a gzip bomb costs ~limit.
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge("the decompressed body", limit);
    throw new ValidationError("body is marked gzip but does not decompress");
  }
}

/** Parses JSON (with the route's parser, JSON.parse by default), naming the problem in a 400 when it is not. */
function parseJson(raw: string, scan: JsonScan, parse?: JsonParser, emptyBody?: unknown): unknown {
  if (raw.trim() === "") {
    if (emptyBody !== undefined) return emptyBody;
    throw new ValidationError("body is empty");
  }
  try {
    return parse ? parse(raw, scan) : JSON.parse(raw);
  } catch {
    throw new ValidationError("body is not valid JSON");
  }
}

function itemCount(document: unknown, field: string): number {
  // A number, string or boolean has no such field either: reading it gives undefined.
  const list = (document as Record<string, unknown> | null)?.[field];
  return Array.isArray(list) ? list.length : 0;
}

/** A body that is an array of documents (mParticle Webhook batches) counts the items of all of them. */
function checkItemCount(json: unknown, items: IngestLimits["items"]): void {
  if (!items) return;
  const count = Array.isArray(json) ? json.reduce((sum: number, document) => sum + itemCount(document, items.field), 0) : itemCount(json, items.field);
  if (count > items.max) {
    throw new PayloadTooLargeError(`${items.field}: ${count} items, more than the limit of ${items.max} per request`, { field: items.field });
  }
}

/**
 * Turns the body into JSON within the route's limits, each checked before the work it guards:
 * media type and encoding, size on the wire, size while inflating, UTF-8, nesting depth, then parsing
 * and the number of events. The text of each event is kept beside it (shared/sourceText.ts).
 */
function decodeBody(limits: IngestLimits, parse?: JsonParser, emptyBody?: unknown): MiddlewareObj<IngestEvent, IngestResult> {
  return {
    before: async function decodeBodyBefore(request) {
      const { event } = request;
      checkContentType(header(event, "content-type"));
      const text = bodyText(event, isGzip(header(event, "content-encoding")), limits);
      // A route's own parser may read the text differently from JSON.parse: its items' texts are not kept.
      const scan = scanJson(text, limits.maxDepth, parse ? undefined : limits.items?.field);
      event.json = parseJson(text, scan, parse, emptyBody);
      checkItemCount(event.json, limits.items);
      if (scan.items && limits.items) keepSourceTexts((event.json as Record<string, unknown> | null)?.[limits.items.field], scan.items);
    },
  };
}

/** Known errors become clean JSON naming the field; anything else a 500 that reveals nothing. Goes first. */
function jsonErrors(): MiddlewareObj<IngestEvent, IngestResult> {
  return {
    onError: async function jsonErrorsOnError(request) {
      const error = request.error;
      if (error instanceof SecretNotConfiguredError) {
        // Thrown by the authorization step or by a route that reads a section of the secret.
        reportUnconfigured(error.field);
        request.response = jsonResponse(503, { error: { message: error.message } });
        return;
      }
      if (error instanceof RelayError) {
        switch (error.errorClass) {
          case "validation":
            // A validation error without a field is about the body as a whole (its size, encoding or syntax).
            request.response = jsonResponse(error.status ?? 400, { error: { message: error.message, field: error.field ?? "body" } });
            return;
          case "auth":
            request.response = jsonResponse(401, { error: { message: error.message, field: error.field } });
            return;
          case "retryable":
            logger.error("ingest could not enqueue", { error: error.message });
            request.response = jsonResponse(503, { error: { message: "temporarily unavailable, retry" } });
            return;
          // Ours, but nothing the caller can fix: the 500 below.
          case "permanent":
        }
      }
      // A permanent error, or anything not ours.
      logger.error("ingest failed", { error: error instanceof Error ? error.message : String(error) });
      request.response = jsonResponse(500, { error: { message: "internal error" } });
    },
  };
}

/** Validates with a zod schema; the 400 names the first offending field. */
export function parseWith<Schema extends z.ZodMiniType>(schema: Schema, value: unknown): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationErrorOf(result.error);
}

export interface IngestOptions {
  limits: IngestLimits;
  /** `requireAuthorization(...)`; absent for routes the partner calls without credentials. */
  auth?: MiddlewareObj<IngestEvent, IngestResult>;
  /** The route's JSON parser when JSON.parse loses something it needs (it may throw on invalid JSON). */
  parse?: JsonParser;
  /** What an empty (or all-whitespace) body stands for on this route, e.g. a sender's check request; absent: a 400. */
  emptyBody?: unknown;
}

/**
 * An ingest Lambda: the Lambda context on every log line, correlation id, authorization (before any body
 * work), body decoding within the limits, JSON errors, then the route's own function, which reads `event.json`.
 */
export function ingestHandler(route: (event: IngestEvent, context: Context) => Promise<IngestResult>, options: IngestOptions) {
  const handler = middy<IngestEvent, IngestResult>().use(injectLambdaContext(logger)).use(jsonErrors()).use(correlate());
  if (options.auth) handler.use(options.auth);
  handler.use(decodeBody(options.limits, options.parse, options.emptyBody));
  return handler.handler(route) as unknown as (event: APIGatewayProxyEventV2, context: Context) => Promise<IngestResult>;
}
