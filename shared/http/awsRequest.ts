import { partition } from "@aws-sdk/core/client";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Sha256 } from "@smithy/core/checksum";
import { escapeUri } from "@smithy/core/protocols";
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { awsRegion } from "../config/settings.js";

/**
 * Calls to AWS APIs, signed with Signature Version 4 by the SDK's own signer and credential chain, sent with
 * fetch, retried as the SDK's standard mode retries. The relay makes two kinds: reading its secret (Secrets
 * Manager, JSON 1.1 protocol) and pausing a worker's own event source mapping (the Lambda API, REST JSON).
 * Their SDK clients would carry each service's whole model (every operation's schema and error class, which
 * esbuild cannot tree-shake: aws-sdk-js-v3#7607) into every bundle: ~100 KB of a worker's 400 KB for three
 * rarely made calls (docs/performance.md, "Bundles"). SQS, called on every message, keeps its SDK client.
 */
interface AwsCall {
  /** The signing name and endpoint prefix (`lambda`, `secretsmanager`). */
  service: string;
  /** A stand-in's base URL (local stack, tests: AWS_ENDPOINT_URL_<SERVICE>); unset in AWS. */
  endpoint: string | undefined;
  method: "GET" | "PUT" | "POST";
  path: string;
  query?: Record<string, string | undefined>;
  headers: Record<string, string>;
  body?: string;
}

/** What an AWS API answered when it refused a call, shaped as the SDK's errors (name, HTTP status) so its retry rules apply. */
export class AwsApiError extends Error {
  readonly $metadata: { httpStatusCode: number };

  constructor(errorType: string, httpStatusCode: number, message: string) {
    super(`${errorType} (HTTP ${httpStatusCode}): ${message}`);
    this.name = errorType;
    this.$metadata = { httpStatusCode };
  }
}

/** The SDK's standard retry mode: three attempts, exponential backoff with full jitter. */
const MAX_ATTEMPTS = 3;
const RETRY_BASE_MS = 100;
const CALL_TIMEOUT_MS = 10_000;
const TRAILING_SLASH = /\/$/;

let credentials: AwsCredentialIdentityProvider | undefined;
const signers = new Map<string, SignatureV4>();

function signerFor(service: string, region: string): SignatureV4 {
  const key = `${service}\u001f${region}`;
  let signer = signers.get(key);
  if (!signer) {
    credentials ??= defaultProvider();
    signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
    signers.set(key, signer);
  }
  return signer;
}

async function send(call: AwsCall, region: string): Promise<Response> {
  const base = new URL(call.endpoint ?? `https://${call.service}.${region}.${partition(region).dnsSuffix}`);
  const path = `${base.pathname.replace(TRAILING_SLASH, "")}${call.path}`;
  const query = Object.fromEntries(Object.entries(call.query ?? {}).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const signed = await signerFor(call.service, region).sign({
    method: call.method,
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port ? Number(base.port) : undefined,
    path,
    query,
    headers: { ...call.headers, host: base.host },
    body: call.body,
  });
  const search = Object.entries(query)
    .map(([name, value]) => `${escapeUri(name)}=${escapeUri(value)}`)
    .join("&");
  return fetch(`${base.origin}${path}${search ? `?${search}` : ""}`, {
    method: call.method,
    headers: signed.headers,
    body: call.body,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
}

/** The error an answer carries: its type from x-amzn-errortype or the body's `__type` (JSON 1.1), its message from the body. */
function refusal(response: Response, text: string): AwsApiError {
  let body: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (a proxy's page): the status alone says what happened.
  }
  const typeName = response.headers.get("x-amzn-errortype") ?? (typeof body.__type === "string" ? body.__type : "UnknownError");
  // "ResourceNotFoundException:http://internal..." or "com.amazonaws.secretsmanager#ResourceNotFoundException"
  const errorType = typeName.split(":")[0]?.split("#").pop() ?? typeName;
  return new AwsApiError(errorType, response.status, String(body.message ?? body.Message ?? `HTTP ${response.status}`).slice(0, 500));
}

async function attempt(call: AwsCall, region: string): Promise<{ answer: unknown } | { error: Error }> {
  try {
    const response = await send(call, region);
    const text = await response.text();
    return response.ok ? { answer: text ? JSON.parse(text) : {} } : { error: refusal(response, text) };
  } catch (error) {
    return { error: error as Error };
  }
}

function retryable(error: Error): boolean {
  const classified = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(classified) || isTransientError(classified) || isServerError(classified);
}

async function callAws<Answer>(call: AwsCall): Promise<Answer> {
  const region = awsRegion();
  for (let attempts = 1; ; attempts++) {
    const outcome = await attempt(call, region);
    if ("answer" in outcome) return outcome.answer as Answer;
    if (attempts >= MAX_ATTEMPTS || !retryable(outcome.error)) throw outcome.error;
    await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** attempts * Math.random()));
  }
}

/** A REST JSON API call (the Lambda API): the operation is the method and path. */
export function awsRestJson<Answer>(call: {
  service: string;
  endpoint: string | undefined;
  method: "GET" | "PUT";
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}): Promise<Answer> {
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  return callAws({ ...call, body, headers: body === undefined ? {} : { "content-type": "application/json" } });
}

/** A JSON 1.1 protocol call (Secrets Manager): POST / with the operation in X-Amz-Target. */
export function awsJsonRpc<Answer>(call: { service: string; endpoint: string | undefined; target: string; body: unknown }): Promise<Answer> {
  return callAws({
    service: call.service,
    endpoint: call.endpoint,
    method: "POST",
    path: "/",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": call.target },
    body: JSON.stringify(call.body),
  });
}
