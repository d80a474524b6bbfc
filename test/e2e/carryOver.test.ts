import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import type { PushwooshSandbox } from "../../infra/local/sandboxes/pushwoosh.js";
import { DESTINATIONS } from "../../shared/queue/definition.js";
import { queueCounts } from "../support/embeddedSqs.js";
import { defined } from "../support/defined.js";
import { waitFor } from "../support/waitFor.js";
import { brazeEvent, eventId } from "../shared/sources/braze/factories.js";
import { CUSTOMER_ID, customEvent, iosBatch } from "../shared/sources/mparticle/factories.js";

/**
 * Requests at the minimum, through the local stack (real pollers, workers, embedded SQS and sandboxes):
 * a remainder that no traffic joins is sent once the carry bound is reached, and a user's setTags of one
 * worker invocation are merged, the latest value of each tag by event time.
 */
describe("partner requests at the minimum, through the local stack", () => {
  let stack: LocalStack;
  let pushwoosh: PushwooshSandbox;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, env: { RETRY_BASE_SECONDS: "1", BATCH_CARRY_MAX_SECONDS: "2" } });
    pushwoosh = defined(stack.sandboxes.pushwoosh);
    pushwoosh.createEvents("Opened");
  });
  afterAll(() => stack?.stop());

  async function post(path: string, authorization: string, body: unknown): Promise<void> {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }

  async function queuesEmpty(): Promise<boolean> {
    for (const destination of DESTINATIONS) {
      const counts = await queueCounts(stack.sqs, stack.queueUrls[destination].queue);
      if (counts.visible + counts.inFlight + counts.delayed > 0) return false;
    }
    return true;
  }

  it("sends a remainder no traffic joins once the bound is reached, in one import, and then the queue is empty", async () => {
    const mixpanel = defined(stack.sandboxes.mixpanel);
    const events = Array.from({ length: 10 }, (_, n) =>
      brazeEvent("users.behaviors.CustomEvent", { id: eventId(500 + n), time: 1767225600 + n, externalUserId: `user-${n % 3}` }),
    );

    await post("/braze/currents", `Bearer ${stack.secrets.inbound.brazeToken}`, { events });

    await waitFor(() => mixpanel.imported.length === 10, 30_000, "the Mixpanel import");
    expect(mixpanel.callsTo("/import")).toHaveLength(1);
    await waitFor(queuesEmpty, 30_000, "every queue empty");
  });

  it("merges a user's setTags of one invocation into one call, each tag's latest value by event time, not arrival", async () => {
    const at = 1767225600000;
    const firehose = `Token ${stack.secrets.inbound.mparticleToken}`;
    await stack.workers.pause();
    // The newer batch arrives first: arrival order must not decide.
    await post("/mparticle/events", firehose, iosBatch([customEvent("Opened", {}, at + 60_000)], { user_attributes: { Plan: "gold" } }));
    await post("/mparticle/events", firehose, iosBatch([customEvent("Opened", {}, at)], { user_attributes: { Plan: "silver", Tier: "bronze" } }));
    await stack.workers.resume();

    await waitFor(async () => pushwoosh.callsTo("/json/1.3/postEvent").length === 2 && (await queuesEmpty()), 30_000, "both batches delivered");
    const setTags = pushwoosh.callsTo("/json/1.3/setTags");
    expect(setTags).toHaveLength(1);
    expect((setTags[0]?.json as { request: { user_id?: string; userId?: string; tags: unknown } }).request.tags).toEqual({ Plan: "gold", Tier: "bronze" });
    expect(pushwoosh.state.userTags.get(CUSTOMER_ID)).toMatchObject({ Plan: "gold", Tier: "bronze" });
  });
});
