import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import type { RelaySecrets } from "../../../shared/config/secrets.js";
import { AuthError, PayloadTooLargeError, PermanentError, RetryableError, SecretNotConfiguredError, ValidationError } from "../../../shared/errors.js";
import * as z from "../../../shared/zod.js";
import type * as Ingest from "../../../shared/http/ingest.js";
import { ingestHandler, jsonResponse, parseWith, requireAuthorization } from "../../../shared/http/ingest.js";
import type { RouteAuth } from "../../../shared/http/routeAuth.js";
import type { IngestLimits } from "../../../shared/http/limits.js";
import { TEST_SECRETS, useSecrets } from "../../support/secrets.js";
import { httpApiEvent } from "../../support/httpApiEvent.js";
import { structuredLogs } from "../../support/logCapture.js";
import { SECRET_NOT_CONFIGURED_METRIC } from "../../../shared/observability.js";
import { defined } from "../../support/defined.js";

const LIMITS: IngestLimits = { maxBodyBytes: 4096, maxDecodedBytes: 8192, maxDepth: 4, items: { field: "events", max: 3 } };
const context = () => lambdaContext("ingest-test", 10, "us-east-1");

/** A route that answers with what the chain made of the body. */
function echoRoute(auth?: RouteAuth, limits = LIMITS) {
  return ingestHandler(async (event) => jsonResponse(200, { json: event.json }), { limits, auth: auth && requireAuthorization(auth) });
}

async function call(handler: ReturnType<typeof echoRoute>, body: string | Buffer | undefined, headers: Record<string, string> = {}, base64 = false) {
  const response = await handler(httpApiEvent("/test", body, { headers, base64 }), context());
  return { status: response.statusCode, body: JSON.parse(String(response.body)) as { error?: { message: string; field?: string }; json?: unknown } };
}

const BRAZE: RouteAuth = { scheme: "Bearer", current: "brazeToken", previous: "previousBrazeToken" };

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
    expect(JSON.parse(defined(lines[0]))).toMatchObject({ level: "ERROR", field: "inbound.mparticleWebhookAuthorization" });
    expect(written.join("")).not.toContain("REPLACE_ME_secret_value");
  });

  it("answers 503, not 500, when the secret document cannot be read", async () => {
    process.env.RELAY_SECRETS_FILE = "/nonexistent/cdp-relay-secrets.json";
    cleanup = await useSecrets(TEST_SECRETS);
    process.env.RELAY_SECRETS_FILE = "/nonexistent/cdp-relay-secrets.json";

    const response = await call(echoRoute(BRAZE), "{}", { authorization: "Bearer x" });

    expect(response).toEqual({ status: 503, body: { error: { message: "relay secret not configured: document" } } });
    // The operator learns why from the log; the caller does not.
    expect(structuredLogs("ERROR")).toContainEqual(
      expect.objectContaining({ message: "relay secret could not be loaded", error: expect.stringContaining("/nonexistent/cdp-relay-secrets.json") }),
    );
  });
});

describe("requireAuthorization: the unconfigured-secret metric the alarm watches", () => {
  let freshIngest: typeof Ingest;
  let cleanup: () => Promise<void>;

  // The test environment disables metrics; this module instance is built without that.
  beforeAll(async () => {
    vi.resetModules();
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    freshIngest = await import("../../../shared/http/ingest.js");
    cleanup = await useSecrets(withInbound({ mparticleToken: "m" }));
  });
  afterAll(async () => {
    await cleanup();
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it(`publishes ${SECRET_NOT_CONFIGURED_METRIC} once per refused request, not once per cold start`, async () => {
    const handler = freshIngest.ingestHandler(async () => jsonResponse(200, {}), { limits: LIMITS, auth: freshIngest.requireAuthorization(BRAZE) });
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    const statuses = [];
    try {
      for (let i = 0; i < 2; i++) statuses.push((await handler(httpApiEvent("/test", "{}", { headers: { authorization: "Bearer x" } }), context())).statusCode);
    } finally {
      vi.restoreAllMocks();
    }

    expect(statuses).toEqual([503, 503]);
    const metrics = written
      .flatMap((text) => text.split("\n"))
      .filter((line) => line.startsWith('{"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(metrics.map((line) => line[SECRET_NOT_CONFIGURED_METRIC])).toEqual([1, 1]);
  });
});

describe("requireAuthorization: rotation", () => {
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    cleanup = await useSecrets(
      withInbound({
        mparticleToken: "m",
        brazeToken: "new-braze-token",
        previousBrazeToken: "old-braze-token",
        mparticleWebhookAuthorization: "Basic bmV3Om5ldw==",
        previousMparticleWebhookAuthorization: "REPLACE_ME_previous",
      }),
    );
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

  it.each([
    ["the scheme in capitals", "BEARER new-braze-token", 200],
    ["several spaces after the scheme and a trailing one", "Bearer   new-braze-token ", 200],
    ["the scheme glued to the token", "Bearernew-braze-token", 401],
    ["the scheme alone", "Bearer", 401],
  ])("with %s answers %s (RFC 9110: the scheme is case-insensitive, spaces around the credential are not part of it)", async (_, authorization, status) => {
    expect((await call(echoRoute(BRAZE), "{}", { authorization })).status).toBe(status);
  });

  it("answers 401 without an Authorization header", async () => {
    expect((await call(echoRoute(BRAZE), "{}")).status).toBe(401);
  });

  it("compares the whole header value when the route has no scheme, and never accepts a placeholder as previous", async () => {
    const webhook = echoRoute({ scheme: null, current: "mparticleWebhookAuthorization", previous: "previousMparticleWebhookAuthorization" });

    expect((await call(webhook, "{}", { authorization: "Basic bmV3Om5ldw==" })).status).toBe(200);
    expect((await call(webhook, "{}", { authorization: " Basic bmV3Om5ldw== " })).status).toBe(200);
    expect(await call(webhook, "{}", { authorization: "bmV3Om5ldw==" })).toEqual({
      status: 401,
      body: { error: { message: "missing or wrong Authorization header (expected the configured value)", field: "authorization" } },
    });
    expect((await call(webhook, "{}")).status).toBe(401);
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
    expect(await call(handler, '{"events":[1,2,3],"a":{"b":{"c":"{[[[[[["}}}')).toEqual({
      status: 200,
      body: { json: { events: [1, 2, 3], a: { b: { c: "{[[[[[[" } } } },
    });
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

  it.each([["application/json; charset=UTF-8"], ["application/vnd.braze+json"]])("takes %s", async (contentType) => {
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
    // Not base64, so text: gzip's bytes cannot come as text, and the JSON in it is not taken for inflated JSON.
    ["a text body marked gzip", '{"a":1}', { "content-encoding": "gzip" }, "body is marked gzip but does not decompress"],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), {}, "body is not valid UTF-8"],
    ["truncated JSON", '{"events": [', {}, "body is not valid JSON"],
  ])("answers 400 to %s", async (_, body, headers, message) => {
    expect(await call(handler, body, headers)).toEqual({ status: 400, body: { error: { message, field: "body" } } });
  });

  it.each([
    ["an empty body", undefined],
    ["a blank body", " \n\t"],
  ])("gives the route its emptyBody for %s, where the route declares one", async (_, body) => {
    const checkRequests = ingestHandler(async (event) => jsonResponse(200, { json: event.json }), { limits: LIMITS, emptyBody: { events: [] } });

    expect(await call(checkRequests, body)).toEqual({ status: 200, body: { json: { events: [] } } });
    expect((await call(checkRequests, "{events")).status).toBe(400);
  });
});

describe("body limits at their edges", () => {
  /** A JSON document of exactly `bytes` bytes. */
  const jsonOfBytes = (bytes: number) => `{"s":"${"x".repeat(bytes - 8)}"}`;

  it("takes a body of exactly the limit and refuses one byte more", async () => {
    expect((await call(echoRoute(), jsonOfBytes(LIMITS.maxBodyBytes))).status).toBe(200);
    expect((await call(echoRoute(), jsonOfBytes(LIMITS.maxBodyBytes + 1))).status).toBe(413);
  });

  // A base64 body is sized before decoding: its length, less what its "=" padding stands for, must be exact.
  it.each([
    ["no padding", 4095],
    ["one padding character", 4097],
    ["two padding characters", 4096],
  ])("sizes a base64 body with %s exactly: the limit taken, one byte more refused", async (_, limit) => {
    const handler = echoRoute(undefined, { ...LIMITS, maxBodyBytes: limit });

    expect((await call(handler, jsonOfBytes(limit), {}, true)).status).toBe(200);
    expect(await call(handler, jsonOfBytes(limit + 1), {}, true)).toEqual({
      status: 413,
      body: { error: { message: `body: the body is larger than the limit of ${limit} bytes`, field: "body" } },
    });
  });

  it("sizes a plain body in UTF-8 bytes, not characters", async () => {
    // Two bytes per "é": 2,053 characters, 4,098 bytes.
    const body = `{"s":"${"é".repeat(2045)}"}`;

    expect(await call(echoRoute(), body)).toEqual({
      status: 413,
      body: { error: { message: "body: the body is larger than the limit of 4096 bytes", field: "body" } },
    });
  });

  it("reads a lone surrogate in a plain body as U+FFFD, as decoding its UTF-8 would", async () => {
    expect(await call(echoRoute(), '{"s":"a\uD800b"}')).toEqual({ status: 200, body: { json: { s: "a\uFFFDb" } } });
  });

  it.each([
    ["as text", false],
    ["in base64", true],
  ])("holds an uncompressed body %s to the decompressed limit too, when that one is lower: the limit taken, one byte more refused", async (_, base64) => {
    const handler = echoRoute(undefined, { ...LIMITS, maxBodyBytes: 8192, maxDecodedBytes: 4096 });

    expect((await call(handler, jsonOfBytes(4096), {}, base64)).status).toBe(200);
    expect(await call(handler, jsonOfBytes(4097), {}, base64)).toEqual({
      status: 413,
      body: { error: { message: "body: the body is larger than the limit of 4096 bytes", field: "body" } },
    });
  });
});

describe("JSON nesting", () => {
  const handler = echoRoute();

  it("takes JSON nested exactly to the limit, however many siblings it has", async () => {
    expect(await call(handler, '[[[[]]],[[[]]],{"a":[[1]]}]')).toEqual({ status: 200, body: { json: [[[[]]], [[[]]], { a: [[1]] }] } });
  });

  it("counts objects as it counts arrays", async () => {
    expect((await call(handler, '{"a":{"a":{"a":{}}}}')).status).toBe(200);
    expect(await call(handler, '{"a":{"a":{"a":{"a":{}}}}}')).toEqual({
      status: 400,
      body: { error: { message: "body: JSON is nested deeper than 4 levels (at character 20)", field: "body" } },
    });
  });

  it("does not end a string at an escaped quote: brackets after it are still inside the string", async () => {
    const body = JSON.stringify({ a: '"[[[[[[', b: 'x\\"{{{{{{' });

    expect(await call(handler, body)).toEqual({ status: 200, body: { json: { a: '"[[[[[[', b: 'x\\"{{{{{{' } } });
  });

  it("leaves an unterminated string to the parser, whatever brackets it holds", async () => {
    expect(await call(handler, '{"a":"[[[[[[')).toEqual({ status: 400, body: { error: { message: "body is not valid JSON", field: "body" } } });
  });
});

describe("content type and encoding", () => {
  const handler = echoRoute();

  it.each([
    ["no charset quoted", 'application/json; charset="utf-8"'],
    ["charset=utf8", "application/json;charset=utf8"],
    ["the media type in capitals", "Application/JSON"],
    ["a structured +json type", "application/problem+json"],
    ["a parameter other than charset", "application/json; boundary=x"],
    ["an empty header", ""],
    ["a blank header", "  "],
  ])("takes %s", async (_, contentType) => {
    expect(await call(handler, '{"a":1}', { "content-type": contentType })).toEqual({ status: 200, body: { json: { a: 1 } } });
  });

  it.each([["text/json"], ["application/jsonp"], ["x-application/json"], ["application/x-json; charset=utf-8"]])(
    "refuses %s, naming the media type",
    async (contentType) => {
      const mediaType = contentType.split(";")[0];
      expect(await call(handler, "{}", { "content-type": contentType })).toEqual({
        status: 415,
        body: { error: { message: `content-type must be application/json, not "${mediaType}"`, field: "content-type" } },
      });
    },
  );

  it("echoes at most 100 characters of a refused media type", async () => {
    const response = await call(handler, "{}", { "content-type": `text/${"x".repeat(300)}` });

    expect(response.body.error?.message).toBe(`content-type must be application/json, not "text/${"x".repeat(95)}"`);
  });

  it("says which charset it takes", async () => {
    expect(await call(handler, "{}", { "content-type": "application/json; charset=utf-16" })).toEqual({
      status: 415,
      body: { error: { message: "content-type charset must be utf-8", field: "content-type" } },
    });
  });

  it.each([
    ["gzip in capitals", "GZIP"],
    ["x-gzip with spaces around it", " x-gzip "],
  ])("inflates a body marked %s", async (_, encoding) => {
    expect(await call(handler, gzipSync('{"a":1}'), { "content-encoding": encoding })).toEqual({ status: 200, body: { json: { a: 1 } } });
  });

  it.each([["identity"], [""]])("reads a body marked %j as it is", async (encoding) => {
    expect(await call(handler, '{"a":1}', { "content-encoding": encoding })).toEqual({ status: 200, body: { json: { a: 1 } } });
  });

  it("names the encoding it refuses, at most 100 characters of it", async () => {
    expect((await call(handler, "{}", { "content-encoding": "br" })).body.error?.message).toBe('content-encoding must be gzip or absent, not "br"');
    expect((await call(handler, "{}", { "content-encoding": "y".repeat(300) })).body.error?.message).toBe(
      `content-encoding must be gzip or absent, not "${"y".repeat(100)}"`,
    );
  });
});

describe("the event count", () => {
  const handler = echoRoute();

  it("sums the events of a body that is an array of batches", async () => {
    expect(await call(handler, JSON.stringify([{ events: [1, 2] }, { events: [3] }]))).toEqual({
      status: 200,
      body: { json: [{ events: [1, 2] }, { events: [3] }] },
    });
    expect(await call(handler, JSON.stringify([{ events: [1, 2] }, { other: 1 }, 7, null, { events: [3, 4] }]))).toEqual({
      status: 413,
      body: { error: { message: "events: 4 items, more than the limit of 3 per request", field: "events" } },
    });
  });

  it.each([
    ["events that are not a list (the route's schema answers for them)", { events: "abcd" }],
    ["null", null],
    ["a number", 7],
  ])("counts nothing in %s", async (_, json) => {
    expect(await call(handler, JSON.stringify(json))).toEqual({ status: 200, body: { json } });
  });

  it("counts nothing for a route without an event limit", async () => {
    const body = { events: [1, 2, 3, 4, 5] };
    expect(await call(echoRoute(undefined, { ...LIMITS, items: undefined }), JSON.stringify(body))).toEqual({ status: 200, body: { json: body } });
  });
});

describe("the route's own JSON parser", () => {
  const parsed = (parse: (text: string) => unknown) => ingestHandler(async (event) => jsonResponse(200, { json: event.json }), { limits: LIMITS, parse });

  it("gives the route what its parser made of the body, and a 400 when it throws", async () => {
    const handler = parsed((text) => ({ length: text.length }));
    expect(await call(handler, '{"a":1}')).toEqual({ status: 200, body: { json: { length: 7 } } });

    const refusing = parsed(() => {
      throw new SyntaxError("unexpected token");
    });
    expect(await call(refusing, '{"a":1}')).toEqual({ status: 400, body: { error: { message: "body is not valid JSON", field: "body" } } });
  });
});

describe("the error handler", () => {
  it("answers 413 with the message and field of a PayloadTooLargeError, keeping its event id", async () => {
    const error = new PayloadTooLargeError("events.7: event 9f1c is larger than any SQS message", { field: "events.7", eventId: "9f1c" });
    const handler = ingestHandler(
      async () => {
        throw error;
      },
      { limits: LIMITS },
    );

    const response = await handler(httpApiEvent("/test", "{}"), context());

    expect(error.eventId).toBe("9f1c");
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(String(response.body))).toEqual({ error: { message: "events.7: event 9f1c is larger than any SQS message", field: "events.7" } });
  });
});

describe("errors the route throws", () => {
  const failing = (error: unknown) =>
    ingestHandler(
      async () => {
        throw error;
      },
      { limits: LIMITS },
    );

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

describe("what the error handler answers to errors the route throws", () => {
  const failing = (error: unknown) =>
    ingestHandler(
      async () => {
        throw error;
      },
      { limits: LIMITS },
    );
  const answer = async (error: unknown) => {
    const response = await failing(error)(httpApiEvent("/test", "{}", { headers: { "x-correlation-id": "corr-1" } }), context());
    return { status: response.statusCode, body: JSON.parse(String(response.body)) as unknown };
  };

  it.each([
    ["a validation error without a field: 400 naming the body", new ValidationError("body: no user"), 400, { message: "body: no user", field: "body" }],
    [
      "a validation error with its field",
      new ValidationError("user.id: required", { field: "user.id" }),
      400,
      { message: "user.id: required", field: "user.id" },
    ],
    [
      "a credential error: 401 with its field",
      new AuthError("wrong token", { field: "authorization" }),
      401,
      { message: "wrong token", field: "authorization" },
    ],
    [
      "an unconfigured secret: 503 naming the field",
      new SecretNotConfiguredError("inbound.brazeToken"),
      503,
      { message: "relay secret not configured: inbound.brazeToken" },
    ],
  ])("answers %s", async (_, error, status, body) => {
    expect(await answer(error)).toEqual({ status, body: { error: body } });
  });

  it.each([
    [
      "a retryable error",
      new RetryableError("SQS SendMessageBatch failed: queue gone"),
      503,
      "ingest could not enqueue",
      "SQS SendMessageBatch failed: queue gone",
    ],
    ["a permanent error", new PermanentError("mapper bug"), 500, "ingest failed", "mapper bug"],
    ["anything thrown that is not an Error", "a bare string", 500, "ingest failed", "a bare string"],
    ["a thrown null", null, 500, "ingest failed", "null"],
  ])("logs what the answer to %s leaves out, with the request's correlation id", async (_, error, status, message, logged) => {
    expect((await answer(error)).status).toBe(status);
    expect(structuredLogs("ERROR").at(-1)).toMatchObject({ message, error: logged, correlationId: "corr-1" });
  });

  it("logs with the Lambda context (function name, request id, cold start) beside the correlation id", async () => {
    const handler = failing(new RetryableError("queue gone"));
    const invocations = [context(), context()];

    for (const invocation of invocations) await handler(httpApiEvent("/test", "{}", { headers: { "x-correlation-id": "corr-2" } }), invocation);

    const lines = structuredLogs("ERROR").slice(-2);
    expect(lines).toEqual(
      invocations.map((invocation) =>
        expect.objectContaining({
          message: "ingest could not enqueue",
          correlationId: "corr-2",
          function_name: "cdp-relay-ingest-test",
          function_request_id: invocation.awsRequestId,
          function_arn: invocation.invokedFunctionArn,
          cold_start: expect.any(Boolean),
        }),
      ),
    );
    // The container is warm by the second invocation, whichever handler ran first.
    expect(defined(lines[1]).cold_start).toBe(false);
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

  it("makes one up for an event that carries neither headers nor a request context (a direct invocation)", async () => {
    const event = { ...httpApiEvent("/test", "{}"), requestContext: undefined, headers: undefined } as unknown as Parameters<typeof handler>[0];

    const response = await handler(event, context());

    expect(response.statusCode).toBe(200);
    expect((JSON.parse(String(response.body)) as { correlationId: string }).correlationId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it.each([
    ["none", undefined],
    ["one with a space", "a b"],
    ["one with a newline", "a\nforged log line"],
    ["129 characters", "x".repeat(129)],
    ["an empty one", ""],
  ])("uses API Gateway's request id instead of %s", async (_, offered) => {
    expect(await correlationOf(offered)).toBe("req-ingest");
  });
});

describe("parseWith", () => {
  const schema = z.object({ user: z.object({ id: z.string() }) });

  it("names the first offending field, or the body for a root issue", () => {
    expect(parseWith(schema, { user: { id: "u" } })).toEqual({ user: { id: "u" } });
    expect(() => parseWith(schema, { user: {} })).toThrow(
      expect.objectContaining({ field: "user.id", errorClass: "validation", message: "user.id: Invalid input: expected string, received undefined" }),
    );
    expect(() => parseWith(schema, 7)).toThrow(expect.objectContaining({ field: "body", message: expect.stringMatching(/^body: /) }));
  });
});
