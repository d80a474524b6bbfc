import { describe, expect, it } from "vitest";
import { AuthError, PermanentError, RetryableError, classifyResponse, parseRetryAfter } from "../../shared/errors.js";

function answer(status: number, headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers) };
}

describe("classifyResponse", () => {
  it("treats 2xx as success", () => {
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
});
