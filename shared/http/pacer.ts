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
/** A 429 halves the pace (AIMD's multiplicative decrease). */
export const PACE_DECREASE = 0.5;
/** Below the pace that drew the last 429, each answer closes this share of the gap (at least 1 % of that pace). */
const RECOVERY_SHARE = 0.1;
/** From that pace on, answers raise it by this share of it per second: the partner's limit is near. */
const GROWTH_PER_SECOND = 0.02;
/** A pace this many times the one that drew the last 429, with no 429 since: the limit is gone. */
const RELEASE_FACTOR = 2;
/** The slowest pace: one call per five seconds. */
const MIN_PACE = 0.2;

/**
 * One partner's pace in one worker container: unlimited until the partner answers 429, then AIMD. A 429
 * halves the pace (calls per second) and, with Retry-After, stops every call until then; each answer raises
 * the pace additively: quickly back to the pace that drew the 429, slowly beyond it, unlimited at twice it.
 */
export class Pacer {
  /** Calls per second; undefined while unlimited. */
  private rate: number | undefined;
  /** The pace that drew the last 429. */
  private ceiling = 0;
  private blockedUntil = 0;
  private nextSlotAt = 0;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  /** Start times of the last second's calls: the pace to halve when the first 429 comes while unlimited. */
  private readonly recentStarts: number[] = [];

  constructor(private readonly clock: PacerClock = systemClock) {}

  /** Calls per second now, undefined while unlimited. */
  get pace(): number | undefined {
    return this.rate;
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
    if (startedAt < this.lastDecreaseAt) return;
    const current = this.rate ?? this.recentRate(now);
    this.ceiling = Math.max(MIN_PACE, current);
    this.rate = Math.max(MIN_PACE, current * PACE_DECREASE);
    this.lastDecreaseAt = now;
  }

  /** A call was answered (not 429). */
  answered(): void {
    if (this.rate === undefined) return;
    const gap = this.ceiling - this.rate;
    this.rate = gap > 0
      ? Math.min(this.ceiling, this.rate + Math.max(gap * RECOVERY_SHARE, this.ceiling * 0.01))
      // About `rate` answers a second: each adds its share of GROWTH_PER_SECOND.
      : this.rate + (this.ceiling * GROWTH_PER_SECOND) / this.rate;
    if (this.rate >= this.ceiling * RELEASE_FACTOR) this.rate = undefined;
  }

  private start(now: number): number {
    this.nextSlotAt = this.rate === undefined ? now : now + 1000 / this.rate;
    this.recentStarts.push(now);
    while (this.recentStarts.length > 0 && this.recentStarts[0]! <= now - 1000) this.recentStarts.shift();
    return now;
  }

  private recentRate(now: number): number {
    return this.recentStarts.filter((at) => at > now - 1000).length;
  }
}
