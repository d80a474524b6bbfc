import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { startLocalStack, type LocalStack } from "../infra/local/localStack.js";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS } from "../infra/local/sandboxes/pushwoosh.js";
import type { RecordedCall } from "../infra/local/sandboxes/sandbox.js";
import type { Destination } from "../shared/queue/definition.js";
import { holdLogLevel } from "../test/support/logLevel.js";

/**
 * Issue 19's two figures on the local stack: how fast a backlog held through an outage drains once a probe
 * succeeds (`outage.recovery_seconds`), and how much of a partner's rate the workers use while a backlog
 * waits (`rate.utilisation`). Both come from the sandboxes' own records of the calls they took.
 */
export const PROBE_SECONDS = 1;
export const RATE_REQUESTS_PER_SECOND = 40;
/** postEvent takes only events created in Pushwoosh's Control Panel. */
export const RATE_EVENT = "rate_run";

export interface OutageFigure {
  /** From the first call the partner answered after the outage (the probe's) to the last held event it took. */
  recovery_seconds: number;
  events: number;
  probeSeconds: number;
}

export interface RateFigure {
  /** Calls the partner took in each whole second of the backlog, over the rate it enforced. */
  utilisation: number;
  requestsPerSecond: number;
  calls: number;
  /** How many of them the partner answered 429. */
  throttled: number;
}

/** Calls taken (not answered 429) in each whole second between the first and the last; the partial first and last seconds left out. */
export function takenPerWholeSecond(calls: readonly RecordedCall[]): number[] {
  const taken = calls.filter((call) => call.status !== 429 && call.status !== "reset").map((call) => Math.floor(call.at / 1000));
  if (taken.length === 0) return [];
  const counts = new Map<number, number>();
  for (const second of taken) counts.set(second, (counts.get(second) ?? 0) + 1);
  const first = Math.min(...taken);
  const last = Math.max(...taken);
  return Array.from({ length: Math.max(0, last - first - 1) }, (_, i) => counts.get(first + 1 + i) ?? 0);
}

/** A Firehose event batch of `count` custom events `RATE_EVENT` for one user: `count` postEvent calls. */
export function firehoseCustomEvents(request: number, firstSeq: number, count: number): Record<string, unknown> {
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return {
    type: "event_processing_request",
    id: id(810_000_000 + request),
    timestamp_ms: 1767225600000,
    firehose_version: "2.7.0",
    account: { account_id: 1, account_settings: { ...DEVELOPMENT_PUSHWOOSH_CREDENTIALS } },
    mpid: String(5000 + request),
    user_identities: [{ type: "customer", encoding: "raw", value: `rate-user-${request}` }],
    runtime_environment: { type: "unknown", identities: [] },
    events: Array.from({ length: count }, (_, e) => {
      const seq = firstSeq + e;
      return {
        type: "custom_event",
        id: id(910_000_000 + seq),
        timestamp_ms: 1767225600000 + seq,
        session_id: 1,
        name: RATE_EVENT,
        custom_event_type: "other",
        attributes: { seq: String(seq) },
      };
    }),
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function queueEmpty(stack: LocalStack, destination: Destination): Promise<boolean> {
  const { Attributes = {} } = await stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.queueUrls[destination].queue,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0) ===
    0
  );
}

const post = (stack: LocalStack, path: string, authorization: string, body: unknown) =>
  fetch(`${stack.apiUrl}${path}`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(body) });

/** Mixpanel answers 503 until its worker paused and `failedProbes` probes failed; then the held backlog drains. */
async function outage(stack: LocalStack, posts: number, failedProbes: number): Promise<OutageFigure> {
  const mixpanel = stack.sandboxes.mixpanel;
  const mapping = stack.eventSourceMappings.all().find((candidate) => candidate.functionName.endsWith("mixpanel-worker"));
  if (!mixpanel || !mapping) throw new Error("the local stack has no Mixpanel sandbox or worker mapping");
  mixpanel.setFaultRate(1, [{ kind: "status", status: 503 }]);
  for (let p = 0; p < posts; p++) {
    const events = Array.from({ length: 100 }, (_, i) => ({
      id: `00000000-0000-4000-9000-${String(p * 100 + i).padStart(12, "0")}`,
      event_type: "users.behaviors.CustomEvent",
      time: 1767225600 + i,
      user: { user_id: `u-${i % 13}`, external_user_id: `outage-${i % 13}` },
      properties: { name: "bench outage" },
    }));
    await post(stack, "/braze/currents", `Bearer ${stack.secrets.inbound.brazeToken}`, { events });
  }
  await until(() => mapping.currentState === "Disabled", 120_000, "the Mixpanel worker to pause");
  const atPause = mixpanel.calls.length;
  await until(() => mixpanel.calls.length - atPause >= failedProbes, 120_000, "failed probes");
  const fromCall = mixpanel.calls.length;
  mixpanel.clearFaults();
  await until(async () => mapping.currentState === "Enabled" && (await queueEmpty(stack, "mixpanel")), 300_000, "the held backlog to drain");
  const after = mixpanel.calls.slice(fromCall).filter((call) => call.status === 200);
  const first = after[0]?.at ?? 0;
  const last = after.at(-1)?.at ?? first;
  return { recovery_seconds: Math.round((last - first) / 10) / 100, events: posts * 100, probeSeconds: PROBE_SECONDS };
}

/** Pushwoosh enforces RATE_REQUESTS_PER_SECOND while `requests` × 50 postEvent calls wait. */
async function rate(stack: LocalStack, requests: number): Promise<RateFigure> {
  const pushwoosh = stack.sandboxes.pushwoosh;
  if (!pushwoosh) throw new Error("the local stack has no Pushwoosh sandbox");
  pushwoosh.createEvents(RATE_EVENT);
  pushwoosh.enforceRate(RATE_REQUESTS_PER_SECOND);
  const before = pushwoosh.calls.length;
  for (let r = 0; r < requests; r++)
    await post(stack, "/mparticle/events", `Token ${stack.secrets.inbound.mparticleToken}`, firehoseCustomEvents(r, 700_000 + r * 50, 50));
  await until(
    async () => (await queueEmpty(stack, "pushwoosh")) && pushwoosh.calls.slice(before).filter((call) => call.status === 200).length >= requests * 50,
    300_000,
    "the Pushwoosh backlog to drain",
  );
  pushwoosh.enforceRate(undefined);
  const calls = pushwoosh.calls.slice(before);
  const perSecond = takenPerWholeSecond(calls);
  const utilisation = perSecond.reduce((sum, count) => sum + count, 0) / Math.max(1, perSecond.length * RATE_REQUESTS_PER_SECOND);
  return {
    utilisation: Math.round(utilisation * 1000) / 1000,
    requestsPerSecond: RATE_REQUESTS_PER_SECOND,
    calls: calls.length,
    throttled: calls.filter((call) => call.status === 429).length,
  };
}

/** Both figures, on a local stack of their own with issue 19's settings made small. */
export async function measurePartnerOutageAndRate(): Promise<{ outage: OutageFigure; rate: RateFigure }> {
  const restoreLogLevel = holdLogLevel("SILENT");
  const stack = await startLocalStack({
    port: 0,
    sqsPort: 0,
    quiet: true,
    pollerConcurrency: 4,
    env: { RETRY_BASE_SECONDS: "1", PARTNER_PROBE_SECONDS: String(PROBE_SECONDS), RETRY_HOLD_SECONDS: "3600" },
  });
  try {
    return { outage: await outage(stack, 20, 5), rate: await rate(stack, 24) };
  } finally {
    await stack.stop();
    restoreLogLevel();
  }
}
