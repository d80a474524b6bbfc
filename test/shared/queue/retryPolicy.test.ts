import { describe, expect, it } from "vitest";
import { AuthError, PermanentError, RetryableError, ValidationError } from "../../../shared/errors.js";
import { AUTH_BACKOFF_FACTOR, MAX_VISIBILITY_SECONDS, decideRetry } from "../../../shared/queue/retryPolicy.js";

const noJitter = () => 1;
const fullJitter = () => 0;

describe("decideRetry", () => {
  it("backs a retryable failure off exponentially from the base, with jitter in the upper half of each step", () => {
    const error = new RetryableError("HTTP 503", { status: 503 });
    expect([1, 2, 3, 4].map((attempt) => decideRetry(error, attempt, 10, noJitter))).toEqual([
      { action: "retry", delaySeconds: 10 },
      { action: "retry", delaySeconds: 20 },
      { action: "retry", delaySeconds: 40 },
      { action: "retry", delaySeconds: 80 },
    ]);
    expect(decideRetry(error, 4, 10, fullJitter)).toEqual({ action: "retry", delaySeconds: 40 });
  });

  it("waits exactly as long as the partner's Retry-After asks", () => {
    const error = new RetryableError("HTTP 429", { status: 429, retryAfterSeconds: 17 });
    expect(decideRetry(error, 2, 10, noJitter)).toEqual({ action: "retry", delaySeconds: 17 });
    expect(decideRetry(new RetryableError("HTTP 429", { retryAfterSeconds: 0 }), 2, 10, noJitter)).toEqual({ action: "retry", delaySeconds: 0 });
  });

  it("never asks SQS for a negative delay", () => {
    expect(decideRetry(new RetryableError("HTTP 429", { retryAfterSeconds: -5 }), 1, 10)).toEqual({ action: "retry", delaySeconds: 0 });
  });

  it("parks a retryable failure on the fifth attempt with the reason retries-exhausted", () => {
    expect(decideRetry(new RetryableError("timeout"), 5, 10)).toEqual({ action: "park", reason: "retries-exhausted" });
  });

  it("parks permanent and validation failures on the first attempt", () => {
    expect(decideRetry(new PermanentError("HTTP 400"), 1, 10)).toEqual({ action: "park", reason: "permanent" });
    expect(decideRetry(new ValidationError("bad payload"), 1, 10)).toEqual({ action: "park", reason: "validation" });
  });

  it("retries credential failures with a long backoff and parks them, never drops them, when attempts run out", () => {
    const error = new AuthError("HTTP 401", { status: 401 });
    expect(decideRetry(error, 1, 10, noJitter)).toEqual({ action: "retry", delaySeconds: 10 * AUTH_BACKOFF_FACTOR });
    expect(decideRetry(error, 5, 10, noJitter)).toEqual({ action: "park", reason: "credentials" });
  });

  it("never asks SQS for a visibility timeout above its 12-hour limit", () => {
    expect(decideRetry(new RetryableError("HTTP 429", { retryAfterSeconds: 86_400 }), 1, 10)).toEqual({
      action: "retry",
      delaySeconds: MAX_VISIBILITY_SECONDS,
    });
    expect(decideRetry(new AuthError("HTTP 403"), 4, 600, noJitter)).toEqual({ action: "retry", delaySeconds: MAX_VISIBILITY_SECONDS });
  });
});
