import { runInFunctionEnvironment } from "../shared/config/environment.js";
import { partnerProbeSeconds, retryHoldSeconds } from "../shared/config/settings.js";
import { RETENTION_SECONDS } from "../shared/queue/definition.js";

/**
 * The two settings that size how the relay rides out a partner outage, as the workers will read them
 * (RETRY_HOLD_SECONDS and PARTNER_PROBE_SECONDS among the common settings, context `relayEnvironment`),
 * and what the stack derives from them: the probe schedule and the queue retention that must cover the hold.
 */
export interface OutageSettings {
  retryHoldSeconds: number;
  partnerProbeSeconds: number;
}

/**
 * After an event's hold runs out it is parked when a worker or a probe next receives it; a day is left
 * between the hold and SQS deleting the message (retention), so it is parked, never lost.
 */
export const HOLD_PARKING_MARGIN_SECONDS = 24 * 60 * 60;

/** The settings a worker would read from `environment` (the stack's common settings), with the workers' own defaults. */
export function readOutageSettings(environment: Readonly<Record<string, string>>): OutageSettings {
  const settings = runInFunctionEnvironment(environment, () => ({ retryHoldSeconds: retryHoldSeconds(), partnerProbeSeconds: partnerProbeSeconds() }));
  const longest = RETENTION_SECONDS - HOLD_PARKING_MARGIN_SECONDS;
  if (settings.retryHoldSeconds > longest) {
    throw new Error(
      `RETRY_HOLD_SECONDS ${settings.retryHoldSeconds} is longer than the queues can keep a message: at most ${longest} ` +
        `(SQS retention ${RETENTION_SECONDS} s, the maximum, less a day to park what outlived the hold)`,
    );
  }
  return settings;
}

/** EventBridge's rate() counts whole minutes, at least one: PARTNER_PROBE_SECONDS rounded, never under a minute. */
export function probeRateMinutes(probeSeconds: number): number {
  return Math.max(1, Math.round(probeSeconds / 60));
}
