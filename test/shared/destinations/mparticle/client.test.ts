import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../../../shared/destinations/mparticle/client.js";
import { planBulkRequests } from "../../../../shared/destinations/mparticle/map.js";
import type { MparticlePayload } from "../../../../shared/destinations/mparticle/schema.js";
import { createMparticleSandbox, type MparticleSandbox } from "../../../../infra/local/sandboxes/mparticle.js";
import { TEST_SECRETS, basic } from "../../../support/secrets.js";
import { defined } from "../../../support/defined.js";

const payload = (customerId: string, id: string): MparticlePayload => ({
  feed: "web",
  customerId,
  event: {
    event_type: "custom_event",
    data: { source_message_id: id, timestamp_unixtime_ms: 1767225600000, custom_attributes: { a: 1 }, event_name: "Canvas Entry", custom_event_type: "other" },
  },
});

describe("mParticle client against the sandbox", () => {
  let sandbox: MparticleSandbox;
  let baseUrl: string;
  const request = () =>
    defined(
      planBulkRequests(
        [
          { key: "k1", item: payload("alice", "00000000-0000-4000-8000-000000000001") },
          { key: "k2", item: payload("bob", "00000000-0000-4000-8000-000000000002") },
        ],
        { environment: "development", feeds: TEST_SECRETS.mparticle.feeds, baseUrl },
      ).requests[0],
    );

  beforeAll(async () => {
    sandbox = createMparticleSandbox({ feeds: TEST_SECRETS.mparticle.feeds });
    baseUrl = await sandbox.start(0);
  });
  afterEach(() => {
    sandbox.clearFaults();
    sandbox.calls.length = 0;
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it("sends POST /v2/bulkevents as documented and gives every item of it the 202", async () => {
    const outcomes = await send(request());

    expect(outcomes).toEqual(
      new Map([
        ["k1", { kind: "delivered" }],
        ["k2", { kind: "delivered" }],
      ]),
    );
    const [call] = sandbox.calls;
    expect(call).toMatchObject({ method: "POST", path: "/v2/bulkevents", status: 202 });
    expect(call?.headers.authorization).toBe(basic("web-key", "web-secret"));
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(call?.json).toEqual(JSON.parse(String(request().http.body)));
  });

  it.each([
    [401, "auth"],
    [400, "permanent"],
    [429, "retryable"],
    [503, "retryable"],
  ])("answers HTTP %i with a %s failure for every item, never a throw", async (status, errorClass) => {
    sandbox.injectFaults({ kind: "status", status });

    const outcomes = await send(request());

    expect([...outcomes.keys()]).toEqual(["k1", "k2"]);
    for (const outcome of outcomes.values()) expect(outcome).toMatchObject({ kind: "failed", error: { errorClass, status } });
  });

  it("answers a connection reset with a retryable failure", async () => {
    sandbox.injectFaults({ kind: "reset" });

    const outcomes = await send(request());

    expect(outcomes.get("k1")).toMatchObject({ kind: "failed", error: { errorClass: "retryable" } });
  });
});
