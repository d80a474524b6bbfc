import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import type { RelaySecrets } from "../../../shared/config/secrets.js";
import { PayloadTooLargeError, PermanentError, RetryableError } from "../../../shared/errors.js";
import { z } from "zod";
import { ingestHandler, jsonResponse, parseWith, requireAuthorization, type AuthorizationOptions } from "../../../shared/http/ingest.js";
import type { IngestLimits } from "../../../shared/http/limits.js";
import { TEST_SECRETS, useSecrets } from "../../support/secrets.js";
import { httpApiEvent } from "../../support/httpApiEvent.js";

const LIMITS: IngestLimits = { maxBodyBytes: 4096, maxDecodedBytes: 8192, maxDepth: 4, items: { field: "events", max: 3 } };
const context = () => lambdaContext("ingest-test", 10, "us-east-1");

/** A route that answers with what the chain made of the body. */
function echoRoute(auth?: AuthorizationOptions, limits = LIMITS) {
  return ingestHandler(async (event) => jsonResponse(200, { json: event.json }), { limits, auth: auth && requireAuthorization(auth) });
}

async function call(handler: ReturnType<typeof echoRoute>, body: string | Buffer | undefined, headers: Record<string, string> = {}, base64 = false) {
  const response = await handler(httpApiEvent("/test", body, { headers, base64 }), context());
  return { status: response.statusCode, body: JSON.parse(String(response.body)) as { error?: { message: string; field?: string }; json?: unknown } };
}

const BRAZE: AuthorizationOptions = { scheme: "Bearer", current: "brazeToken", previous: "previousBrazeToken" };

function withInbound(inbound: Partial<RelaySecrets["inbound"]> & Record<string, unknown>): RelaySecrets {
  return { ...TEST_SECRETS, inbound: inbound as RelaySecrets["inbound"] };
}

describe("requireAuthorization: fail closed on an unconfigured credential", () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    vi.restoreAllMocks();
  });

  it.each([
    ["missing", { mparticleToken: "m" }],
    ["empty", { mparticleToken: "m", brazeToken: "" }],
    ["blank", { mparticleToken: "m", brazeToken: "   " }],
    ["the template's placeholder", { mparticleToken: "m", brazeToken: "REPLACE_ME_braze_token" }],
  ])("answers 503 naming the field when it is %s, whatever the request presents", async (_, inbound) => {
    cleanup = await useSecrets(withInbound(inbound));
    const handler = echoRoute(BRAZE);

    for (const authorization of ["Bearer REPLACE_ME_braze_token", "Bearer ", "Bearer anything"]) {
      const response = await call(handler, "{}", { authorization });
      expect(response).toEqual({ status: 503, body: { error: { message: "relay secret not configured: inbound.brazeToken" } } });
    }
  });

  it("logs one error per cold start and field, naming the field and never a value", async () => {
    cleanup = await useSecrets(withInbound({ ...TEST_SECRETS.inbound, mparticleWebhookAuthorization: "REPLACE_ME_secret_value" }));
    const written: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
    const handler = echoRoute({ scheme: null, current: "mparticleWebhookAuthorization" });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(handler, "{}", { authorization: "REPLACE_ME_secret_value" })).status);

    expect(statuses).toEqual([503, 503, 503]);
    const lines = written.filter((line) => line.includes("relay secret not configured"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "ERROR", field: "inbound.mparticleWebhookAuthorization" });
    expect(written.join("")).not.toContain("REPLACE_ME_secret_value");
  });

  it("answers 503, not 500, when the secret document cannot be read", async () => {
    process.env.RELAY_SECRETS_FILE = "/nonexistent/cdp-relay-secrets.json";
    cleanup = await useSecrets(TEST_SECRETS);
    process.env.RELAY_SECRETS_FILE = "/nonexistent/cdp-relay-secrets.json";

    const response = await call(echoRoute(BRAZE), "{}", { authorization: "Bearer x" });

    expect(response).toEqual({ status: 503, body: { error: { message: "relay secret not configured: document" } } });
  });
});

describe("requireAuthorization: rotation", () => {
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    cleanup = await useSecrets(withInbound({
      mparticleToken: "m",
      brazeToken: "new-braze-token",
      previousBrazeToken: "old-braze-token",
      mparticleWebhookAuthorization: "Basic bmV3Om5ldw==",
      previousMparticleWebhookAuthorization: "REPLACE_ME_previous",
    }));
  });
  afterAll(async () => cleanup());

  it.each([
    ["the current token", "Bearer new-braze-token", 200],
    ["the previous token", "Bearer old-braze-token", 200],
    ["the scheme in another case", "bearer new-braze-token", 200],
    ["a wrong token", "Bearer older-braze-token", 401],
    ["the other scheme", "Token new-braze-token", 401],
    ["no token", "Bearer ", 401],
    ["the token alone", "new-braze-token", 401],
  ])("with %s answers %s", async (_, authorization, status) => {
    const response = await call(echoRoute(BRAZE), "{}", { authorization });

    expect(response.status).toBe(status);
    if (status === 401) {
      expect(response.body).toEqual({ error: { message: 'missing or wrong Authorization header (expected "Bearer <token>")', field: "authorization" } });
    }
  });

  it("answers 401 without an Authorization header", async () => {
    expect((await call(echoRoute(BRAZE), "{}")).status).toBe(401);
  });

  it("compares the whole header value when the route has no scheme, and never accepts a placeholder as previous", async () => {
    const webhook = echoRoute({ scheme: null, current: "mparticleWebhookAuthorization", previous: "previousMparticleWebhookAuthorization" });

    expect((await call(webhook, "{}", { authorization: "Basic bmV3Om5ldw==" })).status).toBe(200);
    expect((await call(webhook, "{}", { authorization: "bmV3Om5ldw==" })).status).toBe(401);
    expect((await call(webhook, "{}", { authorization: "REPLACE_ME_previous" })).status).toBe(401);
  });

  it("checks the credential before any body work", async () => {
    const response = await call(echoRoute(BRAZE), "x".repeat(LIMITS.maxBodyBytes + 1), { authorization: "Bearer wrong" });

    expect(response.status).toBe(401);
  });
});

describe("body limits, before any parsing", () => {
  const handler = echoRoute();

  it("takes a JSON body within the limits", async () => {
    expect(await call(handler, '{"events":[1,2,3],"a":{"b":{"c":"{[[[[[["}}}')).toEqual({ status: 200, body: { json: { events: [1, 2, 3], a: { b: { c: "{[[[[[[" } } } } });
  });

  it("answers 413 to a body over the route's limit", async () => {
    expect(await call(handler, JSON.stringify({ s: "x".repeat(LIMITS.maxBodyBytes) }))).toEqual({
      status: 413,
      body: { error: { message: "body: the body is larger than the limit of 4096 bytes", field: "body" } },
    });
  });

  it("measures multi-byte characters in bytes", async () => {
    expect((await call(handler, JSON.stringify({ s: "é".repeat(LIMITS.maxBodyBytes / 2) }))).status).toBe(413);
  });

  it("measures a base64 body by what it decodes to", async () => {
    const body = JSON.stringify({ s: "x".repeat(LIMITS.maxBodyBytes - 20) });
    expect(Buffer.from(body).toString("base64").length).toBeGreaterThan(LIMITS.maxBodyBytes);

    expect((await call(handler, body, {}, true)).status).toBe(200);
    expect((await call(handler, JSON.stringify({ s: "x".repeat(LIMITS.maxBodyBytes) }), {}, true)).status).toBe(413);
  });

  it("inflates gzip up to the decompressed limit and answers 413 past it", async () => {
    const within = JSON.stringify({ s: "x".repeat(LIMITS.maxDecodedBytes - 20) });
    expect((await call(handler, gzipSync(within), { "content-encoding": "gzip" })).status).toBe(200);

    expect(await call(handler, gzipSync(JSON.stringify({ s: "x".repeat(LIMITS.maxDecodedBytes) })), { "content-encoding": "gzip" })).toEqual({
      status: 413,
      body: { error: { message: "body: the decompressed body is larger than the limit of 8192 bytes", field: "body" } },
    });
  });

  it("answers 413 to a gzip bomb (512 MiB of zeros in concatenated members) without inflating it whole", async () => {
    const member = gzipSync(Buffer.alloc(32 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    const large = echoRoute(undefined, { ...LIMITS, maxBodyBytes: 1024 * 1024 });
    const memoryBefore = process.memoryUsage().arrayBuffers;

    const response = await call(large, bomb, { "content-encoding": "gzip" });

    expect(response.status).toBe(413);
    expect(response.body.error?.message).toContain("decompressed body");
    // Inflation stopped at the limit: nowhere near 512 MiB was ever held.
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it("answers 400 to JSON nested deeper than the limit, before parsing it, whatever its depth", async () => {
    for (const depth of [LIMITS.maxDepth + 1, 10_000, 1_000_000]) {
      expect(await call(echoRoute(undefined, { ...LIMITS, maxBodyBytes: 4_000_000, maxDecodedBytes: 4_000_000 }), "[".repeat(depth))).toEqual({
        status: 400,
        body: { error: { message: "body: JSON is nested deeper than 4 levels (at character 4)", field: "body" } },
      });
    }
  });

  it("does not count brackets inside strings, escaped quotes included", async () => {
    expect((await call(handler, JSON.stringify({ a: '\\"[[[[[[[[{{{{{{' }))).status).toBe(200);
  });

  it("ends a string at a quote after an even run of backslashes, and counts what follows", async () => {
    const response = await call(handler, JSON.stringify({ a: "x\\", b: [[[[[[]]]]]] }));
    expect(response.status).toBe(400);
    expect(response.body.error?.message).toContain("nested deeper than 4 levels");
  });

  it("answers 413 to more events than the route takes, naming the field", async () => {
    expect(await call(handler, JSON.stringify({ events: [1, 2, 3, 4] }))).toEqual({
      status: 413,
      body: { error: { message: "events: 4 items, more than the limit of 3 per request", field: "events" } },
    });
  });

  it.each([
    ["text/html", { "content-type": "text/html" }, 415, "content-type"],
    ["a charset other than UTF-8", { "content-type": "application/json; charset=latin1" }, 415, "content-type"],
    ["brotli", { "content-encoding": "br" }, 415, "content-encoding"],
    ["stacked encodings", { "content-encoding": "gzip, gzip" }, 415, "content-encoding"],
  ])("answers 415 to %s", async (_, headers, status, field) => {
    const response = await call(handler, "{}", headers);
    expect(response.status).toBe(status);
    expect(response.body.error?.field).toBe(field);
  });

  it.each([
    ["application/json; charset=UTF-8"],
    ["application/vnd.braze+json"],
  ])("takes %s", async (contentType) => {
    expect((await call(handler, "{}", { "content-type": contentType })).status).toBe(200);
  });

  it("takes a body without a content type as JSON", async () => {
    const event = httpApiEvent("/test", "{}");
    delete event.headers["content-type"];
    expect((await handler(event, context())).statusCode).toBe(200);
  });

  it.each([
    ["an empty body", undefined, {}, "body is empty"],
    ["a blank body", "  \n", {}, "body is empty"],
    ["a body that is not gzip", Buffer.from("{}"), { "content-encoding": "gzip" }, "body is marked gzip but does not decompress"],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), {}, "body is not valid UTF-8"],
    ["truncated JSON", '{"events": [', {}, "body is not valid JSON"],
  ])("answers 400 to %s", async (_, body, headers, message) => {
    expect(await call(handler, body, headers)).toEqual({ status: 400, body: { error: { message, field: "body" } } });
  });
});

describe("the error handler", () => {
  it("answers 413 with the message and field of a PayloadTooLargeError, keeping its event id", async () => {
    const error = new PayloadTooLargeError("events.7: event 9f1c is larger than any SQS message", { field: "events.7", eventId: "9f1c" });
    const handler = ingestHandler(async () => {
      throw error;
    }, { limits: LIMITS });

    const response = await handler(httpApiEvent("/test", "{}"), context());

    expect(error.eventId).toBe("9f1c");
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(String(response.body))).toEqual({ error: { message: "events.7: event 9f1c is larger than any SQS message", field: "events.7" } });
  });
});

describe("errors the route throws", () => {
  const failing = (error: unknown) => ingestHandler(async () => {
    throw error;
  }, { limits: LIMITS });

  it.each([
    ["a retryable error (SQS refused the work)", new RetryableError("SQS SendMessageBatch failed: secret detail"), 503, "temporarily unavailable, retry"],
    ["a permanent error", new PermanentError("secret detail"), 500, "internal error"],
    ["anything else", new TypeError("secret detail"), 500, "internal error"],
  ])("answer %s with a JSON %i that reveals nothing", async (_, error, status, message) => {
    const response = await failing(error)(httpApiEvent("/test", "{}"), context());

    expect(response).toMatchObject({ statusCode: status, headers: { "content-type": "application/json" } });
    expect(JSON.parse(String(response.body))).toEqual({ error: { message } });
  });
});

describe("the correlation id", () => {
  const handler = ingestHandler(async (event) => jsonResponse(200, { correlationId: event.correlationId }), { limits: LIMITS });
  const correlationOf = async (offered?: string) => {
    const response = await handler(httpApiEvent("/test", "{}", { headers: offered === undefined ? {} : { "x-correlation-id": offered } }), context());
    return (JSON.parse(String(response.body)) as { correlationId: string }).correlationId;
  };

  it("keeps the caller's when it is a plain token of at most 128 characters", async () => {
    expect(await correlationOf("Braze-batch_42:a.b")).toBe("Braze-batch_42:a.b");
    expect(await correlationOf("x".repeat(128))).toBe("x".repeat(128));
  });

  it.each([["none", undefined], ["one with a space", "a b"], ["one with a newline", "a\nforged log line"], ["129 characters", "x".repeat(129)], ["an empty one", ""]])(
    "uses API Gateway's request id instead of %s",
    async (_, offered) => {
      expect(await correlationOf(offered)).toBe("req-ingest");
    },
  );
});

describe("parseWith", () => {
  const schema = z.object({ user: z.object({ id: z.string() }) });

  it("names the first offending field, or the body for a root issue", () => {
    expect(parseWith(schema, { user: { id: "u" } })).toEqual({ user: { id: "u" } });
    expect(() => parseWith(schema, { user: {} })).toThrow(expect.objectContaining({ field: "user.id", errorClass: "validation", message: expect.stringMatching(/^user\.id: /) }));
    expect(() => parseWith(schema, 7)).toThrow(expect.objectContaining({ field: "body", message: expect.stringMatching(/^body: /) }));
  });
});
