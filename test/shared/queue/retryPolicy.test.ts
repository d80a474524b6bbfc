import { describe, expect, it } from "vitest";
import { AuthError, PartnerThrottledError, PartnerUnreachableError, PermanentError, RetryableError, ValidationError } from "../../../shared/errors.js";
import { AUTH_BACKOFF_FACTOR } from "../../../shared/config/settings.js";
import { MAX_DELAY_SECONDS, MAX_VISIBILITY_SECONDS, decideFailure, decideRetry } from "../../../shared/queue/retryPolicy.js";
import { withEnv } from "../../support/env.js";

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

describe("decideFailure", () => {
  const healthy = { partnerDown: false, waitedSeconds: 10 };
  const down = { partnerDown: true, waitedSeconds: 10 };

  it("holds a 429 for its Retry-After (at most SQS's 900 s), down or not, spending no attempt even on the fifth", () => {
    withEnv({ RETRY_HOLD_SECONDS: undefined }, () => {
      expect(decideFailure(new RetryableError("HTTP 429", { status: 429, retryAfterSeconds: 17 }), 5, healthy)).toEqual({ action: "hold", delaySeconds: 17 });
      expect(decideFailure(new RetryableError("HTTP 429", { status: 429, retryAfterSeconds: 5_000 }), 1, down)).toEqual({
        action: "hold",
        delaySeconds: MAX_DELAY_SECONDS,
      });
      expect(decideFailure(new PartnerThrottledError("not sent", { retryAfterSeconds: 4 }), 1, healthy)).toEqual({ action: "hold", delaySeconds: 4 });
      // No Retry-After: the first backoff step.
      expect(decideFailure(new RetryableError("HTTP 429", { status: 429 }), 3, healthy, 10, noJitter)).toEqual({ action: "hold", delaySeconds: 10 });
    });
  });

  it("holds an outage until the next probe while the partner is down, and retries it as the message's while it is not", () => {
    withEnv({ PARTNER_PROBE_SECONDS: "45" }, () => {
      for (const error of [
        new RetryableError("HTTP 503", { status: 503 }),
        new RetryableError("HTTP 408", { status: 408 }),
        new PartnerUnreachableError("reset"),
      ]) {
        expect(decideFailure(error, 5, down)).toEqual({ action: "hold", delaySeconds: 45 });
        expect(decideFailure(error, 5, healthy)).toEqual({ action: "park", reason: "retries-exhausted" });
        expect(decideFailure(error, 1, healthy, 10, noJitter)).toEqual({ action: "retry", delaySeconds: 10 });
      }
    });
  });

  it("parks what would be held once it has waited longer than RETRY_HOLD_SECONDS, as outage-exceeded", () => {
    withEnv({ RETRY_HOLD_SECONDS: "600" }, () => {
      expect(decideFailure(new RetryableError("HTTP 503", { status: 503 }), 1, { partnerDown: true, waitedSeconds: 601 })).toEqual({
        action: "park",
        reason: "outage-exceeded",
      });
      expect(decideFailure(new RetryableError("HTTP 429", { status: 429 }), 1, { partnerDown: false, waitedSeconds: 601 })).toEqual({
        action: "park",
        reason: "outage-exceeded",
      });
      expect(decideFailure(new RetryableError("HTTP 503", { status: 503 }), 1, { partnerDown: true, waitedSeconds: 600 })).toMatchObject({ action: "hold" });
    });
  });

  it("leaves what the partner answered to the retry policy, down or not", () => {
    expect(decideFailure(new PermanentError("HTTP 400", { status: 400 }), 1, down)).toEqual({ action: "park", reason: "permanent" });
    expect(decideFailure(new AuthError("HTTP 401", { status: 401 }), 5, down)).toEqual({ action: "park", reason: "credentials" });
    // A body-level failure in an HTTP 200 (Pushwoosh status_code 500) is the message's.
    expect(decideFailure(new RetryableError("status_code 500", { status: 200 }), 5, down)).toEqual({ action: "park", reason: "retries-exhausted" });
  });
});
