import { setTimeout as sleep } from "node:timers/promises";
import { PartnerThrottledError } from "../errors.js";

/** Time as the pacer sees it; tests give it their own. */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: PacerClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

/**
 * The longest a call waits for its turn. A turn further off (a long Retry-After, a slow pace with many calls
 * queued) is not waited for inside the invocation: the call fails as throttled and its message is held.
 */
export const MAX_PACE_WAIT_MS = 5_000;
/** A 429 halves the pace (the multiplicative decrease). */
const PACE_DECREASE = 0.5;
/** Seconds after a 429 at which the pace is back at the pace that drew it. */
export const PACE_RECOVERY_SECONDS = 3;
/** The growth constant of the curve: it starts at PACE_DECREASE of the pace that drew the 429. */
const GROWTH = (1 - PACE_DECREASE) / PACE_RECOVERY_SECONDS ** 3;
/** At this many times the pace that drew the last 429, with no 429 since, the limit is gone: unlimited again. */
const RELEASE_FACTOR = 2;
/** The slowest pace: one call per second (every partner here takes far more). */
const MIN_PACE = 1;

/**
 * One partner's pace in one worker container: unlimited until the partner answers 429. A 429 halves the
 * pace (calls per second) and, with Retry-After, stops every call until then; the pace then grows back with
 * time along CUBIC's curve (RFC 8312, section 4.1): quickly to near the pace that drew the 429, slowly
 * around it (where the partner's limit is), faster beyond it, and unlimited at twice it. Growing with time
 * rather than per answer, a pace cut low by a storm of 429s comes back within seconds of the storm's end.
 */
export class Pacer {
  /** The pace that drew the last 429; undefined while unlimited. */
  private ceiling: number | undefined;
  private blockedUntil = 0;
  private nextSlotAt = 0;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  /** Start times of the last second's calls: the pace to halve when the first 429 comes while unlimited. */
  private readonly recentStarts: number[] = [];

  constructor(private readonly clock: PacerClock = systemClock) {}

  /** Calls per second now, undefined while unlimited. */
  pace(now = this.clock.now()): number | undefined {
    if (this.ceiling === undefined) return undefined;
    const pace = this.ceiling * (1 + GROWTH * ((now - this.lastDecreaseAt) / 1000 - PACE_RECOVERY_SECONDS) ** 3);
    if (pace >= this.ceiling * RELEASE_FACTOR) {
      this.ceiling = undefined;
      return undefined;
    }
    return Math.max(MIN_PACE, pace);
  }

  /**
   * Waits for the next call's turn and returns its start time. Throws PartnerThrottledError (with the wait
   * in seconds as retryAfterSeconds) when the turn is more than `maxWaitMs` away.
   */
  async turn(maxWaitMs = MAX_PACE_WAIT_MS): Promise<number> {
    const deadline = this.clock.now() + maxWaitMs;
    for (;;) {
      const now = this.clock.now();
      const at = Math.max(now, this.blockedUntil, this.nextSlotAt);
      if (at > deadline) {
        throw new PartnerThrottledError(`not sent: the partner asked to slow down, next turn in ${Math.ceil((at - now) / 1000)} s`, {
          retryAfterSeconds: Math.ceil((at - now) / 1000),
        });
      }
      if (at <= now) return this.start(now);
      // Another call may take the turn, or a 429 push it back, while this one sleeps: look again.
      await this.clock.sleep(at - now);
    }
  }

  /** A call that started at `startedAt` was answered 429. */
  throttled(startedAt: number, retryAfterSeconds?: number): void {
    const now = this.clock.now();
    if (retryAfterSeconds !== undefined) this.blockedUntil = Math.max(this.blockedUntil, now + retryAfterSeconds * 1000);
    // Calls sent before the last decrease went at the old pace: their 429s do not halve it again.
    if (startedAt <= this.lastDecreaseAt) return;
    this.ceiling = Math.max(MIN_PACE, this.pace(now) ?? this.recentRate(now));
    this.lastDecreaseAt = now;
  }

  private start(now: number): number {
    const pace = this.pace(now);
    this.nextSlotAt = pace === undefined ? now : now + 1000 / pace;
    this.recentStarts.push(now);
    while (this.recentStarts.length > 0 && this.recentStarts[0]! <= now - 1000) this.recentStarts.shift();
    return now;
  }

  private recentRate(now: number): number {
    return this.recentStarts.filter((at) => at > now - 1000).length;
  }
}
