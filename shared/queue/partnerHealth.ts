import { partnerProbeSeconds } from "../config/settings.js";
import { PartnerUnreachableError, type PartnerOutcome } from "../errors.js";

/** Outages in a row, with no answer since, that make a partner down. */
export const DOWN_AFTER_OUTAGES = 3;

/** How a call was let through: a normal call, or the one trial call of a partner that is down. */
export type Admission = "call" | "trial";

/**
 * Whether one destination's partner is down, as one worker container sees it, from the outcome of every
 * call: down after DOWN_AFTER_OUTAGES outages (timeout, reset, 408, 5xx) in a row, each from a call sent
 * after the previous one failed (calls sent side by side fail together: one round is one piece of
 * evidence, so a 10 % error rate over 25 concurrent calls does not make three in a row by chance); up
 * again on any answer (a 429 is an answer: the partner is up and asks us to slow down, which the pacer
 * handles). A lone 500 among answers is the message's, not the partner's.
 *
 * While down, calls are not attempted: one call at a time is let through as a trial, at most one per
 * PARTNER_PROBE_SECONDS after the last outage (the probe may force one), and the calls that arrive meanwhile
 * wait for its outcome. So a container that was down learns from its first call whether the partner is
 * back, and one that is still down sends at most one call per probe interval.
 */
export class PartnerHealth {
  private outagesInARow = 0;
  private lastOutageAt = Number.NEGATIVE_INFINITY;
  /** When the last outage that counted was learnt: an outage of a call sent before then is of the same round. */
  private lastCountedAt = Number.NEGATIVE_INFINITY;
  private enteredDownAt: number | undefined;
  private trial: Promise<void> | undefined;
  private endTrial: (() => void) | undefined;

  get down(): boolean {
    return this.enteredDownAt !== undefined;
  }

  /** When the partner went down (monotonic ms, performance.now()), undefined while it is up. */
  get downSince(): number | undefined {
    return this.enteredDownAt;
  }

  /** Lets a call through, makes it the trial, or refuses it (PartnerUnreachableError) while the partner is down. */
  async admit(force = false, now = () => performance.now()): Promise<Admission> {
    while (this.down) {
      if (this.trial) {
        await this.trial;
        continue;
      }
      if (!force && now() - this.lastOutageAt < partnerProbeSeconds() * 1000) {
        throw new PartnerUnreachableError("not attempted: the partner is down (its last calls all failed)");
      }
      this.trial = new Promise((resolve) => (this.endTrial = resolve));
      return "trial";
    }
    return "call";
  }

  /** The outcome of a call `admit` let through, sent at `sentAt` (monotonic ms, performance.now()). */
  record(admission: Admission, outcome: PartnerOutcome, sentAt: number, now = performance.now()): void {
    if (outcome === "outage") {
      this.lastOutageAt = now;
      if (sentAt > this.lastCountedAt) {
        this.outagesInARow++;
        this.lastCountedAt = now;
      }
      if (this.outagesInARow >= DOWN_AFTER_OUTAGES) this.enteredDownAt ??= now;
    } else {
      this.outagesInARow = 0;
      this.enteredDownAt = undefined;
    }
    if (admission === "trial") {
      this.trial = undefined;
      this.endTrial?.();
    }
  }
}
