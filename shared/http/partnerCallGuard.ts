import { AsyncLocalStorage } from "node:async_hooks";
import { parseRetryAfter, partnerOutcomeOf, type PartnerOutcome } from "../errors.js";

/** What a guard learns of one call it admitted: its outcome, and the Retry-After the partner sent. */
export interface PartnerCallResult {
  outcome: PartnerOutcome;
  retryAfterSeconds?: number;
}

/**
 * Watches every partner call made in its scope (a worker runs its deliveries in one, shared/queue/partnerGuard.ts):
 * `admit` runs before a call and may refuse it by throwing (the partner is down, or asked us to slow down);
 * `settle` gets the outcome of each admitted call, with the ticket `admit` gave it.
 */
export interface PartnerCallGuard<Ticket = unknown> {
  admit(): Promise<Ticket>;
  settle(ticket: Ticket, result: PartnerCallResult): void;
}

const scope = new AsyncLocalStorage<PartnerCallGuard>();

/** Runs `body` (and everything it awaits) with every partner call admitted and settled by `guard`. */
export function guardPartnerCalls<Result, Ticket>(guard: PartnerCallGuard<Ticket>, body: () => Promise<Result>): Promise<Result> {
  return scope.run(guard as PartnerCallGuard, body);
}

/**
 * One partner call under the guard in scope, if any: the one place every call's outcome is classified for
 * the partner's health and pace, whichever destination makes it. An unreachable partner is an outage.
 */
export async function guardedCall<Answer extends { status: number; headers: { get(name: string): string | null } }>(
  call: () => Promise<Answer>,
): Promise<Answer> {
  const guard = scope.getStore();
  if (!guard) return call();
  const ticket = await guard.admit();
  let answer: Answer;
  try {
    answer = await call();
  } catch (error) {
    guard.settle(ticket, { outcome: "outage" });
    throw error;
  }
  guard.settle(ticket, { outcome: partnerOutcomeOf(answer.status), retryAfterSeconds: parseRetryAfter(answer.headers.get("retry-after")) });
  return answer;
}
