import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import { startLocalSqs, type LocalSqs } from "../../infra/local/sqs.js";
import type { PartnerSandbox } from "../../infra/local/sandboxes/sandbox.js";
import type { Destination } from "../../shared/queue/definition.js";
import { brazeEvent, eventId, type RawBrazeEvent } from "../shared/sources/braze/factories.js";
import { startAwsProxy, type AwsProxy } from "../support/awsProxy.js";
import { queueCounts } from "../support/embeddedSqs.js";
import { acceptedIds } from "../support/partnerDeliveries.js";
import { waitFor } from "../support/waitFor.js";

/**
 * The fault run's SQS side (docs/testing.md, "SQS faults at ingest"): the local stack's SQS calls go
 * through a recording proxy that can answer a call itself. Ingest sends each destination's messages side
 * by side, so a failing SendMessageBatch to one queue fails the request (503, Braze retries it) after the
 * other queue took its part: the retry enqueues that part again, under the same deterministic ids.
 */
const EVENTS = 100; // even: push sends (→ mParticle and Mixpanel), odd: custom events (→ Mixpanel)

function currentsBatch(): RawBrazeEvent[] {
  return Array.from({ length: EVENTS }, (_, n) => {
    const options = { id: eventId(700_000 + n), time: 1767225600 + n, externalUserId: `sqs-user-${n % 7}`, platform: "ios" };
    return n % 2 === 0
      ? brazeEvent("users.messages.pushnotification.Send", options)
      : brazeEvent("users.behaviors.CustomEvent", { ...options, properties: { name: "sqs fault" } });
  });
}

describe("SQS faults at ingest", () => {
  let sqs: LocalSqs;
  let proxy: AwsProxy;
  let stack: LocalStack;
  let failSendsTo: string | undefined;

  beforeAll(async () => {
    sqs = await startLocalSqs({ port: 0 });
    proxy = await startAwsProxy({
      caller: "local-stack",
      target: sqs.endpoint,
      // SQS's own answer to a failure on its side; the SDK retries it, then gives up.
      hook: (call) =>
        call.action === "SendMessageBatch" && call.input.QueueUrl === failSendsTo
          ? { status: 500, body: { __type: "com.amazonaws.sqs#InternalError", message: "injected by the fault run" } }
          : undefined,
    });
    stack = await startLocalStack({ port: 0, sqsEndpoint: proxy.endpoint, quiet: true, env: { RETRY_BASE_SECONDS: "1" } });
  });
  afterAll(async () => {
    await stack?.stop();
    await proxy?.stop();
    await sqs?.stop();
  });

  const post = (events: RawBrazeEvent[]) =>
    fetch(`${stack.apiUrl}/braze/currents`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.secrets.inbound.brazeToken}`, "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
  const sandbox = (destination: Destination): PartnerSandbox => {
    const found = stack.sandboxes[destination];
    if (!found) throw new Error(`the local stack started no ${destination} sandbox`);
    return found;
  };
  /** Per id, how often the partner accepted it, from its raw calls. */
  const deliveries = (destination: Destination) => {
    const counts = new Map<string, number>();
    for (const call of sandbox(destination).calls) for (const id of acceptedIds(destination, call)) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  };
  const empty = async (queueUrl: string) => {
    const counts = await queueCounts(stack.sqs, queueUrl);
    return counts.visible + counts.inFlight + counts.delayed === 0;
  };

  it("answers 503 when a SendMessageBatch fails, and Braze's retry delivers every event with the duplicates bounded", async () => {
    const events = currentsBatch();
    const mparticleIds = events.filter((_, n) => n % 2 === 0).map((event) => String(event.id));
    const mixpanelIds = events.map((event) => String(event.id));
    const sendsTo = (queueUrl: string) => proxy.calls.filter((call) => call.action === "SendMessageBatch" && call.input.QueueUrl === queueUrl);

    failSendsTo = stack.queueUrls.mixpanel.queue;
    const refused = await post(events);

    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: { message: "temporarily unavailable, retry" } });
    // The Mixpanel part never got in (every attempt of the SDK refused); the mParticle part, sent
    // side by side, did: half-enqueued, which the retry and the deterministic ids make good.
    expect(sendsTo(stack.queueUrls.mixpanel.queue).length).toBeGreaterThan(1);
    expect(await empty(stack.queueUrls.mixpanel.queue)).toBe(true);
    expect(sendsTo(stack.queueUrls.mparticle.queue)).not.toEqual([]);
    await waitFor(() => mparticleIds.every((id) => deliveries("mparticle").has(id)), 30_000, "the half that got in, delivered to mParticle");

    failSendsTo = undefined;
    const retried = await post(events);
    expect(retried.status).toBe(200);

    await waitFor(
      async () => {
        const mixpanel = deliveries("mixpanel");
        return mixpanelIds.every((id) => mixpanel.has(id)) && (await empty(stack.queueUrls.mparticle.queue)) && (await empty(stack.queueUrls.mixpanel.queue));
      },
      30_000,
      "every event delivered after the retry",
    );

    // Mixpanel: each id exactly once (its first enqueue failed whole). mParticle: each id twice, once per
    // enqueue, the bound being the events of the refused request that another queue took; both copies
    // carry the same source_message_id, so they are recognisable as one event.
    const perId = (destination: Destination, ids: string[]) => Object.fromEntries(ids.map((id) => [id, deliveries(destination).get(id) ?? 0]));
    expect(perId("mixpanel", mixpanelIds)).toEqual(Object.fromEntries(mixpanelIds.map((id) => [id, 1])));
    expect(perId("mparticle", mparticleIds)).toEqual(Object.fromEntries(mparticleIds.map((id) => [id, 2])));
    for (const destination of ["mparticle", "mixpanel"] as const) {
      expect(await queueCounts(stack.sqs, stack.queueUrls[destination].dlq), `${destination} DLQ`).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    }
  });
});
