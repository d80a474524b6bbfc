import { randomUUID } from "node:crypto";
import type { ScheduledEvent } from "aws-lambda";

/**
 * The probe schedule of `npm start`: what the EventBridge rule of each worker does in AWS (infra/constructs/
 * QueueToWorker.ts), a timer that invokes the worker with a scheduled event every PARTNER_PROBE_SECONDS.
 * The worker probes its partner only while it has paused its mapping; otherwise the invocation does nothing.
 */
export function scheduledEvent(ruleName: string, region: string): ScheduledEvent {
  // The shape EventBridge delivers to a target of a schedule rule
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${ruleName}`],
    detail: {},
  };
}

/** Calls `probe` every `seconds` until stopped; a probe still running when the next is due is not doubled. */
export function startProbeTimer(seconds: number, probe: () => Promise<void>, onError: (error: Error) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = probe()
      .catch((error: unknown) => onError(error as Error))
      .finally(() => {
        running = undefined;
      });
  }, seconds * 1000);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
