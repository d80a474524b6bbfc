import { timingSafeEqual, createHash, randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import middy from "@middy/core";
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { z } from "zod";
import { AuthError, PayloadTooLargeError, RelayError, ValidationError } from "../errors.js";
import { logger } from "../observability.js";

export type IngestEvent = APIGatewayProxyEventV2 & { rawBody: string; correlationId: string };
export type IngestResult = APIGatewayProxyStructuredResultV2;

export function jsonResponse(statusCode: number, body: unknown): IngestResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
}

/** Constant-time comparison; hashing first makes the lengths equal so length does not leak either. */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Decodes base64 and gzip bodies into `rawBody`, and gives the request a correlation id. */
const prepareRequest = (): MiddlewareObj<IngestEvent, IngestResult> => ({
  before: async function prepareRequestBefore(request) {
    const { event } = request;
    event.correlationId = header(event, "x-correlation-id") || event.requestContext?.requestId || randomUUID();
    logger.appendKeys({ correlationId: event.correlationId });
    let bytes = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
    if ((header(event, "content-encoding") ?? "").toLowerCase().includes("gzip")) {
      try {
        bytes = gunzipSync(bytes);
      } catch {
        throw new ValidationError("body is marked gzip but does not decompress", { field: "body" });
      }
    }
    event.rawBody = bytes.toString("utf8");
  },
});

/** Requires `Authorization: <scheme> <token>`, the token coming from the secret document. */
export const requireToken = (
  scheme: "Token" | "Bearer",
  expectedToken: () => Promise<string>,
): MiddlewareObj<IngestEvent, IngestResult> => ({
  before: async function requireTokenBefore(request) {
    const value = header(request.event, "authorization") ?? "";
    const prefix = `${scheme} `;
    const presented = value.startsWith(prefix) ? value.slice(prefix.length).trim() : "";
    if (!presented || !tokensEqual(presented, await expectedToken())) {
      throw new AuthError(`missing or wrong Authorization header (expected "${scheme} <token>")`, { field: "authorization" });
    }
  },
});

/** Known errors become clean JSON; anything else a 500 that reveals nothing. Goes last. */
const jsonErrors = (): MiddlewareObj<IngestEvent, IngestResult> => ({
  onError: async function jsonErrorsOnError(request) {
    const error = request.error;
    if (error instanceof PayloadTooLargeError) {
      request.response = jsonResponse(413, { error: { message: error.message, field: error.field } });
      return;
    }
    if (error instanceof RelayError) {
      switch (error.errorClass) {
        case "validation":
          request.response = jsonResponse(400, { error: { message: error.message, field: error.field } });
          return;
        case "auth":
          request.response = jsonResponse(401, { error: { message: error.message, field: error.field } });
          return;
        case "retryable":
          logger.error("ingest could not enqueue", { error: error.message });
          request.response = jsonResponse(503, { error: { message: "temporarily unavailable, retry" } });
          return;
        case "permanent":
          break;
      }
    }
    logger.error("ingest failed", { error: error instanceof Error ? error.message : String(error) });
    request.response = jsonResponse(500, { error: { message: "internal error" } });
  },
});

/** Parses JSON, naming the problem in a 400 when it is not. */
export function parseJson(raw: string): unknown {
  if (raw.trim() === "") throw new ValidationError("body is empty", { field: "body" });
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError("body is not valid JSON", { field: "body" });
  }
}

/** Validates with a zod schema; the 400 names the first offending field. */
export function parseWith<Schema extends z.ZodType>(schema: Schema, value: unknown): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join(".") : "body";
  throw new ValidationError(`${field}: ${issue?.message ?? "invalid"}`, { field });
}

/** An ingest Lambda: body decoding, optional auth, JSON errors, then the route's own function. */
export function ingestHandler(
  route: (event: IngestEvent, context: Context) => Promise<IngestResult>,
  auth?: MiddlewareObj<IngestEvent, IngestResult>,
) {
  const handler = middy<IngestEvent, IngestResult>().use(jsonErrors()).use(prepareRequest());
  if (auth) handler.use(auth);
  return handler.handler(route) as unknown as (event: APIGatewayProxyEventV2, context: Context) => Promise<IngestResult>;
}
