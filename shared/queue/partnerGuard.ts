import { PartnerUnreachableError, type PartnerOutcome } from "../errors.js";
import { guardPartnerCalls, type PartnerCallGuard, type PartnerCallResult } from "../http/partnerCallGuard.js";
import { Pacer } from "../http/pacer.js";
import { PartnerHealth, type Admission } from "./partnerHealth.js";

/** How many calls of one delivery ended each way. */
export type PartnerTally = Record<PartnerOutcome, number>;

export function emptyTally(): PartnerTally {
  return { outage: 0, throttled: 0, answered: 0 };
}

export interface WatchOptions {
  /** The probe: the call that finds out whether a down partner is back goes now, without waiting out the probe interval. */
  probe?: boolean;
  /** Hold everything: no call is sent, each fails as an outage (what the probe does with the rest of a down partner's batch). */
  refuseAll?: boolean;
}

interface Ticket {
  admission: Admission;
  /** The pacer's turn (epoch ms). */
  startedAt: number;
  /** When the call was let through (monotonic ms): which round of calls it belongs to. */
  sentAt: number;
}

/**
 * One destination's partner as one worker container sees it: its health and its pace, shared by every
 * invocation of the container and fed by every partner call made inside `watch`.
 */
export class PartnerGuard {
  readonly health = new PartnerHealth();
  readonly pacer = new Pacer();

  /** Runs `body` with its partner calls paced and guarded, counting their outcomes into `tally`. */
  watch<Result>(body: () => Promise<Result>, tally: PartnerTally, options: WatchOptions = {}): Promise<Result> {
    const guard: PartnerCallGuard<Ticket> = {
      admit: async () => {
        if (options.refuseAll) throw new PartnerUnreachableError("not attempted: the partner is down (held until the next probe)");
        const startedAt = await this.pacer.turn();
        const admission = await this.health.admit(options.probe);
        return { admission, startedAt, sentAt: performance.now() };
      },
      settle: (ticket, result) => {
        tally[result.outcome]++;
        this.learn(ticket, result);
      },
    };
    return guardPartnerCalls(guard, body);
  }

  private learn({ admission, startedAt, sentAt }: Ticket, { outcome, retryAfterSeconds }: PartnerCallResult): void {
    this.health.record(admission, outcome, sentAt);
    if (outcome === "throttled") this.pacer.throttled(startedAt, retryAfterSeconds);
  }
}
