import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import type { RecordedCall } from "../../infra/local/sandboxes/sandbox.js";
import { RATE_EVENT, firehoseCustomEvents, takenPerWholeSecond } from "../../bench/partnerOutage.js";
import { DESTINATIONS, type Destination } from "../../shared/queue/definition.js";
import { brazeEvent, eventId } from "../shared/sources/braze/factories.js";
import { drainVisible, queueCounts } from "../support/embeddedSqs.js";
import { acceptedIds } from "../support/partnerDeliveries.js";
import { waitFor } from "../support/waitFor.js";
import { holdLogLevel } from "../support/logLevel.js";

/**
 * Issue 19 under `npm start`, driven from the live view's switches as a person would: a partner that answers
 * 503 for far longer than five attempts' backoff, and a partner that enforces a rate. Small settings:
 * retries from 1 s (five attempts' backoff is at most 1 + 2 + 4 + 8 = 15 s), a probe every second.
 */
const PROBE_SECONDS = 1;
const FIVE_ATTEMPTS_BACKOFF_SECONDS = 1 + 2 + 4 + 8;
/** The outage lasts this many failed probes: with a probe a second, four times five attempts' backoff. */
const OUTAGE_PROBES = 4 * FIVE_ATTEMPTS_BACKOFF_SECONDS;

describe("partner outages and rate limits through the local stack (issue 19)", () => {
  let stack: LocalStack;
  let restoreLogLevel: (() => void) | undefined;

  beforeAll(async () => {
    // Held calls and 503s are expected by the hundred: the assertions are the report.
    restoreLogLevel = holdLogLevel("SILENT");
    stack = await startLocalStack({
      port: 0,
      sqsPort: 0,
      quiet: true,
      pollerConcurrency: 4,
      env: { RETRY_BASE_SECONDS: "1", PARTNER_PROBE_SECONDS: String(PROBE_SECONDS), RETRY_HOLD_SECONDS: "3600" },
    });
    stack.sandboxes.pushwoosh?.createEvents(RATE_EVENT);
  });
  afterAll(async () => {
    await stack?.stop();
    restoreLogLevel?.();
  });

  /** A live view or sandbox switch, as the page sends it. */
  const live = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `${method} ${path}`).toBe(200);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const parked = async () => (await Promise.all(DESTINATIONS.map((destination) => drainVisible(stack.sqs, stack.queueUrls[destination].dlq)))).flat();
  const empty = async (destination: Destination) => {
    const counts = await queueCounts(stack.sqs, stack.queueUrls[destination].queue);
    return counts.visible + counts.inFlight + counts.delayed === 0;
  };
  const delivered = (destination: Destination, calls: readonly RecordedCall[]) => new Set(calls.flatMap((call) => acceptedIds(destination, call)));

  it("a partner answering 503 far longer than five attempts' backoff: consumption pauses, probes stay within the bound, then everything is delivered and nothing parked", async () => {
    const mixpanel = stack.sandboxes.mixpanel;
    const mapping = stack.eventSourceMappings.all().find((candidate) => candidate.functionName.endsWith("mixpanel-worker"));
    if (!mixpanel || !mapping) throw new Error("the local stack has no Mixpanel sandbox or worker mapping");
    await live("POST", "/_sandbox/mixpanel/faults", { fault: "503" });

    // 10 posts of 100 custom events, each for Mixpanel only.
    const ids = Array.from({ length: 1000 }, (_, n) => eventId(50_000 + n));
    for (let post = 0; post < 10; post++) {
      const events = ids
        .slice(post * 100, post * 100 + 100)
        .map((id, i) => brazeEvent("users.behaviors.CustomEvent", { id, time: 1767225600 + i, externalUserId: `outage-${i % 13}` }));
      const response = await fetch(`${stack.apiUrl}/braze/currents`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.secrets.inbound.brazeToken}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      expect(response.status).toBe(200);
    }

    // The pause is requested ~10 s after the posts. Until the probe counted in-flight messages as due back, it
    // could resume the mapping before it settled (then ~30–55 s); the generous wait only guards a loaded machine.
    await waitFor(() => mapping.currentState === "Disabled", 120_000, "the Mixpanel worker to pause its mapping");
    const partners = (await live("GET", "/_live/partners")).partners as Array<{ destination: string; down: boolean; held: number }>;
    expect(partners.find((partner) => partner.destination === "mixpanel")).toMatchObject({ down: true, held: expect.any(Number) });
    expect(partners.find((partner) => partner.destination === "mixpanel")?.held).toBeGreaterThan(0);

    const pausedAt = Date.now();
    const callsAtPause = mixpanel.calls.length;
    await waitFor(() => mixpanel.calls.length - callsAtPause >= OUTAGE_PROBES, 10 * OUTAGE_PROBES * 1000, `${OUTAGE_PROBES} failed probes`);
    // While paused: one probe per PARTNER_PROBE_SECONDS, plus at most the batches already in flight (the worker concurrency).
    const probeBound = Math.ceil((Date.now() - pausedAt) / 1000 / PROBE_SECONDS) + 1 + 4;
    expect(mixpanel.calls.length - callsAtPause).toBeLessThanOrEqual(probeBound);
    expect(mapping.currentState).toBe("Disabled");
    expect(await parked()).toEqual([]);

    await live("DELETE", "/_sandbox/mixpanel/faults");
    await waitFor(
      async () => delivered("mixpanel", mixpanel.calls).size === ids.length && (await empty("mixpanel")),
      120_000,
      "every event imported after the outage",
    );
    expect(mapping.currentState).toBe("Enabled");
    expect([...delivered("mixpanel", mixpanel.calls)].sort()).toEqual([...ids].sort());
    expect(await parked()).toEqual([]);
  }, 300_000);

  it("a partner enforcing a rate: nothing parked, and the backlog uses at least 80% of the rate", async () => {
    const pushwoosh = stack.sandboxes.pushwoosh;
    if (!pushwoosh) throw new Error("the local stack has no Pushwoosh sandbox");
    // A rate well within what the local stack sustains on a loaded two-core machine, so the rate is the limit.
    const rate = 20;
    await live("POST", "/_sandbox/pushwoosh/rate", { requestsPerSecond: rate });
    const before = pushwoosh.calls.length;

    // 12 Firehose requests of 50 custom events: 600 postEvent calls, 30 seconds of the rate.
    const seqs = Array.from({ length: 12 * 50 }, (_, n) => String(700_000 + n));
    for (let r = 0; r < 12; r++) {
      const response = await fetch(`${stack.apiUrl}/mparticle/events`, {
        method: "POST",
        headers: { authorization: `Token ${stack.secrets.inbound.mparticleToken}`, "content-type": "application/json" },
        body: JSON.stringify(firehoseCustomEvents(r, 700_000 + r * 50, 50)),
      });
      expect(response.status).toBe(200);
    }

    await waitFor(
      async () => delivered("pushwoosh", pushwoosh.calls.slice(before)).size === seqs.length && (await empty("pushwoosh")),
      180_000,
      "every event posted to Pushwoosh",
    );
    await live("DELETE", "/_sandbox/pushwoosh/rate");
    const calls = pushwoosh.calls.slice(before);
    expect([...delivered("pushwoosh", calls)].sort()).toEqual([...seqs].sort());
    expect(await parked()).toEqual([]);
    expect(calls.some((call) => call.status === 429)).toBe(true);

    // Utilisation from counts: calls the partner took in each whole second of the backlog (the first and the
    // last second are partial), over the rate.
    const whole = takenPerWholeSecond(calls);
    expect(whole.length).toBeGreaterThan(10);
    // The sandbox's bucket holds one second of the rate: a second can take a burst on top of the rate, never more.
    expect(Math.max(...whole)).toBeLessThanOrEqual(2 * rate);
    const utilisation = whole.reduce((sum, count) => sum + count, 0) / (whole.length * rate);
    expect(utilisation, `per-second calls taken: ${whole.join(" ")}`).toBeGreaterThanOrEqual(0.8);
  }, 300_000);
});
