import { describe, expect, it } from "vitest";
import * as z from "../../shared/zod.js";
import {
  AuthError,
  PartnerThrottledError,
  PartnerUnreachableError,
  PayloadTooLargeError,
  PermanentError,
  RetryableError,
  SecretNotConfiguredError,
  UnsupportedMediaTypeError,
  ValidationError,
  classifyResponse,
  parseRetryAfter,
  partnerConditionOf,
  partnerOutcomeOf,
  toRelayError,
  validationErrorOf,
} from "../../shared/errors.js";

function answer(status: number, headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers) };
}

describe("classifyResponse", () => {
  it("treats 2xx as success", () => {
    expect(classifyResponse("mParticle", answer(200), "")).toBeUndefined();
    expect(classifyResponse("mParticle", answer(202), "")).toBeUndefined();
  });

  it.each([408, 429, 500, 502, 503, 504])("makes HTTP %i retryable", (status) => {
    expect(classifyResponse("mParticle", answer(status), "")).toBeInstanceOf(RetryableError);
  });

  it.each([401, 403])("makes HTTP %i a credential error", (status) => {
    expect(classifyResponse("mParticle", answer(status), "")).toBeInstanceOf(AuthError);
  });

  it.each([400, 404, 413, 422])("makes HTTP %i permanent", (status) => {
    expect(classifyResponse("mParticle", answer(status), "")).toBeInstanceOf(PermanentError);
  });

  it.each([
    [199, PermanentError],
    [299, undefined],
    [300, PermanentError],
    [501, RetryableError],
    [599, RetryableError],
  ] as const)("classifies HTTP %i at the edges of its range", (status, kind) => {
    const error = classifyResponse("mParticle", answer(status), "");
    if (kind === undefined) expect(error).toBeUndefined();
    else expect(error).toBeInstanceOf(kind);
  });

  it("keeps at most 500 characters of the partner's words", () => {
    expect(classifyResponse("mParticle", answer(400), "x".repeat(600))?.partnerMessage).toBe("x".repeat(500));
  });

  it("keeps the status, the partner's words and Retry-After", () => {
    const error = classifyResponse("Mixpanel", answer(429, { "retry-after": "12" }), '{"error":"slow down"}');
    expect(error).toMatchObject({ status: 429, partnerMessage: '{"error":"slow down"}', retryAfterSeconds: 12, message: "Mixpanel answered HTTP 429" });
  });
});

describe("partner messages", () => {
  it("keep the partner's words but not a credential it echoes back", () => {
    const body = '{"errors":[{"message":"refused Basic ZmVlZC1rZXk6ZmVlZC1zZWNyZXQ= and Token device-token-123"}],"apiToken":"device-token-123"}';
    const error = classifyResponse("mParticle", answer(401), body);

    expect(error?.partnerMessage).toBe('{"errors":[{"message":"refused Basic [REDACTED] and Token [REDACTED]"}],"apiToken":"[REDACTED]"}');
    expect(new PermanentError("refused", { partnerMessage: "Bearer abcdefgh12345 is not valid" }).partnerMessage).toBe("Bearer [REDACTED] is not valid");
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter("Tue, 24 Nov 2026 10:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("rounds seconds up, takes 0, and never goes below 0 for a past date", () => {
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(parseRetryAfter("1.2", now)).toBe(2);
    expect(parseRetryAfter("0", now)).toBe(0);
    // "0" is a number of seconds, never a date (Date.parse reads it as the year 2000), whatever the clock says.
    expect(parseRetryAfter("0", Date.parse("1999-12-31T00:00:00Z"))).toBe(0);
    expect(parseRetryAfter("-1", now)).toBe(0);
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("Tue, 24 Nov 2026 09:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("Tue, 24 Nov 2026 10:00:00 GMT", now + 1)).toBe(0);
    expect(parseRetryAfter("Tue, 24 Nov 2026 10:00:01 GMT", now + 1)).toBe(1);
  });
});

describe("the error classes", () => {
  it("keep the cause only when there is one, and are named after their class", () => {
    const inner = new Error("socket hang up");
    const withCause = new RetryableError("partner unreachable", { cause: inner, status: 502, partnerMessage: "bad gateway", retryAfterSeconds: 3, field: "f" });
    expect(withCause).toMatchObject({
      name: "RetryableError",
      errorClass: "retryable",
      status: 502,
      partnerMessage: "bad gateway",
      retryAfterSeconds: 3,
      field: "f",
    });
    expect(withCause.cause).toBe(inner);
    expect(Object.hasOwn(new PermanentError("no cause"), "cause")).toBe(false);
    expect(new AuthError("x").errorClass).toBe("auth");
    expect(new ValidationError("x").errorClass).toBe("validation");
  });

  it("give 413 and 415 their status, and name the unconfigured secret field (retryable: 503 at ingest)", () => {
    expect(new PayloadTooLargeError("too big", { eventId: "e-1", field: "events" })).toMatchObject({
      status: 413,
      eventId: "e-1",
      field: "events",
      errorClass: "validation",
    });
    expect(new UnsupportedMediaTypeError("gzip only")).toMatchObject({ status: 415, errorClass: "validation" });
    expect(new SecretNotConfiguredError("inbound.brazeToken")).toMatchObject({
      errorClass: "retryable",
      field: "inbound.brazeToken",
      message: "relay secret not configured: inbound.brazeToken",
      name: "SecretNotConfiguredError",
    });
  });
});

describe("toRelayError", () => {
  it("passes a relay error through and makes anything else retryable, keeping it as the cause", () => {
    const ours = new PermanentError("partner said no");
    expect(toRelayError(ours)).toBe(ours);
    const thrown = new TypeError("fetch failed");
    const wrapped = toRelayError(thrown);
    expect(wrapped).toMatchObject({ errorClass: "retryable", message: "unexpected error: fetch failed" });
    expect(wrapped.cause).toBe(thrown);
    expect(toRelayError("a string")).toMatchObject({ errorClass: "retryable", message: "unexpected error: a string", cause: "a string" });
  });
});

describe("what a partner call says about the partner", () => {
  it("takes 408 and 5xx for an outage, 429 for throttling, and every other answer for an answer", () => {
    expect([200, 202, 400, 401, 404, 408, 429, 500, 502, 503, 504].map(partnerOutcomeOf)).toEqual([
      "answered",
      "answered",
      "answered",
      "answered",
      "answered",
      "outage",
      "throttled",
      "outage",
      "outage",
      "outage",
      "outage",
    ]);
  });

  it("gives a failure the partner's condition only when the failure is the partner's", () => {
    expect(partnerConditionOf(new PartnerUnreachableError("reset"))).toBe("outage");
    expect(partnerConditionOf(new PartnerThrottledError("not sent", { retryAfterSeconds: 3 }))).toBe("throttled");
    expect(partnerConditionOf(new RetryableError("HTTP 503", { status: 503 }))).toBe("outage");
    expect(partnerConditionOf(new RetryableError("HTTP 429", { status: 429 }))).toBe("throttled");
    // Ours (a bug, an SQS failure) or the partner's verdict on the message: not the partner's condition.
    expect(partnerConditionOf(new RetryableError("unexpected error: x"))).toBeUndefined();
    expect(partnerConditionOf(new RetryableError("status_code 500", { status: 200 }))).toBeUndefined();
    expect(partnerConditionOf(new PermanentError("HTTP 400", { status: 400 }))).toBeUndefined();
    expect(partnerConditionOf(new AuthError("HTTP 503?", { status: 503 }))).toBeUndefined();
  });
});

describe("validationErrorOf", () => {
  const schema = z.object({ events: z.array(z.object({ id: z.string() })) });
  const failure = (value: unknown) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) throw new Error("expected a failed parse");
    return parsed.error;
  };

  it("names the first issue's path as the field, under the prefix", () => {
    const error = validationErrorOf(failure({ events: [{ id: 1 }] }), ["batch", 2]);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.field).toBe("batch.2.events.0.id");
    expect(error.message).toMatch(/^batch\.2\.events\.0\.id: ./);
  });

  it("names the root when the issue has no path", () => {
    expect(validationErrorOf(failure("text")).field).toBe("body");
    expect(validationErrorOf(failure("text"), [], "(root)").message).toMatch(/^\(root\): ./);
  });

  it("still says something for a failure without issues", () => {
    expect(validationErrorOf({ issues: [] }, ["event"])).toMatchObject({ field: "event", message: "event: invalid" });
  });
});
