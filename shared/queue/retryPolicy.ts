import { authBackoffFactor, partnerProbeSeconds, retryBaseSeconds, retryHoldSeconds } from "../config/settings.js";
import { partnerConditionOf, type RelayError } from "../errors.js";
import { MAX_RECEIVE_COUNT } from "./definition.js";

/** SQS refuses visibility timeouts above 12 hours. */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
/** SQS's longest DelaySeconds: a message re-sent to its queue waits at most this long. */
export const MAX_DELAY_SECONDS = 900;

export type ParkReason = "permanent" | "validation" | "retries-exhausted" | "credentials" | "outage-exceeded";

export type RetryDecision = { action: "retry"; delaySeconds: number } | { action: "park"; reason: ParkReason };

/** Held: re-sent after `delaySeconds` with no attempt spent, because the partner (not the message) failed. */
export type FailureDecision = RetryDecision | { action: "hold"; delaySeconds: number };

/** What the worker knows besides the error: whether the partner is down, and how long ago the event came in. */
export interface FailureSituation {
  partnerDown: boolean;
  waitedSeconds: number;
}

/** Exponential backoff with jitter in [½, 1] of the step, so a burst of failures does not return as one. */
function backoff(base: number, attempt: number, random: () => number): number {
  const step = base * 2 ** (attempt - 1);
  return Math.ceil(step / 2 + (step / 2) * random());
}

/**
 * The retry policy, in one place. `attempt` is the receive count of the message that just failed.
 * The last allowed attempt parks instead of retrying, so the DLQ copy carries the reason.
 */
export function decideRetry(error: RelayError, attempt: number, base = retryBaseSeconds(), random: () => number = Math.random): RetryDecision {
  switch (error.errorClass) {
    case "permanent":
      return { action: "park", reason: "permanent" };
    case "validation":
      return { action: "park", reason: "validation" };
    case "auth":
      if (attempt >= MAX_RECEIVE_COUNT) return { action: "park", reason: "credentials" };
      return { action: "retry", delaySeconds: Math.min(MAX_VISIBILITY_SECONDS, backoff(base * authBackoffFactor(), attempt, random)) };
    case "retryable": {
      if (attempt >= MAX_RECEIVE_COUNT) return { action: "park", reason: "retries-exhausted" };
      const delay = error.retryAfterSeconds ?? backoff(base, attempt, random);
      return { action: "retry", delaySeconds: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, delay)) };
    }
  }
}

/**
 * The whole decision for one failed event. A 429, or an outage while the partner is down, says nothing
 * about the message: it is held (no attempt spent) for Retry-After, or until the next probe, until it has
 * waited RETRY_HOLD_SECONDS since intake; then it parks with reason `outage-exceeded`. Everything else,
 * an outage while the partner answers other calls included, follows decideRetry's five attempts.
 */
export function decideFailure(
  error: RelayError,
  attempt: number,
  situation: FailureSituation,
  base = retryBaseSeconds(),
  random: () => number = Math.random,
): FailureDecision {
  const condition = partnerConditionOf(error);
  const held = condition === "throttled" || (condition === "outage" && situation.partnerDown);
  if (!held) return decideRetry(error, attempt, base, random);
  if (situation.waitedSeconds > retryHoldSeconds()) return { action: "park", reason: "outage-exceeded" };
  const delay = condition === "throttled" ? (error.retryAfterSeconds ?? backoff(base, 1, random)) : partnerProbeSeconds();
  return { action: "hold", delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delay))) };
}
