import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mixpanelDelivery } from "../../../../shared/destinations/mixpanel/deliver.js";
import { toMixpanelEvent } from "../../../../shared/flows/brazeToMixpanel.js";
import { brazeEventSchema } from "../../../../shared/sources/braze/schema.js";
import { createMixpanelSandbox, type MixpanelSandbox } from "../../../../infra/local/sandboxes/mixpanel.js";
import { brazeEvent, eventId, type EventOverrides } from "../../sources/braze/factories.js";
import { TEST_SECRETS, basic, useSecrets } from "../../../support/secrets.js";

function item(key: string, eventType: string, overrides: EventOverrides) {
  return { key, item: toMixpanelEvent(brazeEventSchema.parse(brazeEvent(eventType, { time: 1767225600, ...overrides })), "alice") };
}

function withInsertId(entry: ReturnType<typeof item>, $insert_id: string): ReturnType<typeof item> {
  return { ...entry, item: { ...entry.item, properties: { ...entry.item.properties, $insert_id } } };
}

describe("mixpanelDelivery.deliver with a project token", () => {
  let sandbox: MixpanelSandbox;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    cleanup = await useSecrets();
    sandbox = createMixpanelSandbox({ mixpanel: TEST_SECRETS.mixpanel });
    process.env.MIXPANEL_API_URL = await sandbox.start(0);
  });
  afterEach(() => {
    sandbox.calls.length = 0;
    sandbox.clearFaults();
  });
  afterAll(async () => {
    await sandbox.stop();
    await cleanup();
  });

  it("sends one gzip strict-mode import with the project token as Basic user", async () => {
    const items = [item("m1", "users.behaviors.CustomEvent", { id: eventId(1) }), item("m2", "users.behaviors.Purchase", { id: eventId(2) })];

    const outcomes = await mixpanelDelivery.deliver(items);

    expect(outcomes).toEqual(
      new Map([
        ["m1", { kind: "delivered" }],
        ["m2", { kind: "delivered" }],
      ]),
    );
    const [call] = sandbox.callsTo("/import");
    expect(sandbox.calls).toHaveLength(1);
    expect(call?.method).toBe("POST");
    expect(call?.query.toString()).toBe("strict=1");
    expect(call?.headers.authorization).toBe(basic("test-project-token", ""));
    expect(call?.headers["content-encoding"]).toBe("gzip");
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(call?.json).toEqual(items.map((entry) => entry.item));
    expect(call?.status).toBe(200);
    expect(sandbox.imported.map((event) => event.event)).toEqual(["[Braze Custom Event] name", "Purchase"]);
  });

  it("fails only the events strict mode rejected, with Mixpanel's message; the rest are delivered", async () => {
    const items = [
      item("m1", "users.canvas.Entry", { id: eventId(10) }),
      // The flow never sends such an id (limits.ts); the destination still reports Mixpanel's refusal per event.
      withInsertId(item("m2", "users.canvas.Entry", { id: eventId(12) }), "not-a-valid-insert-id-because-it-is-too-long"),
      item("m3", "users.canvas.Entry", { id: eventId(11) }),
    ];

    const outcomes = await mixpanelDelivery.deliver(items);

    expect(outcomes.get("m1")).toEqual({ kind: "delivered" });
    expect(outcomes.get("m3")).toEqual({ kind: "delivered" });
    const failed = outcomes.get("m2");
    expect(failed).toMatchObject({
      kind: "failed",
      error: {
        errorClass: "permanent",
        status: 400,
        field: "properties.$insert_id",
        partnerMessage: "'properties.$insert_id' is invalid: must be at most 36 alphanumeric characters or '-'",
      },
    });
    expect(sandbox.calls).toHaveLength(1);
    expect(sandbox.imported.map((event) => event.properties.$insert_id)).toContain(eventId(11));
  });

  it("treats a 400 without failed_records as a permanent failure of the whole request", async () => {
    sandbox.injectFaults({ kind: "status", status: 400, body: { code: 400, error: "bad", status: "Bad Request" } });

    const outcomes = await mixpanelDelivery.deliver([item("m1", "users.canvas.Entry", { id: eventId(20) })]);

    expect(outcomes.get("m1")).toMatchObject({ kind: "failed", error: { errorClass: "permanent", status: 400 } });
  });

  it.each([
    [401, "auth"],
    [429, "retryable"],
    [503, "retryable"],
  ])("classifies HTTP %i as %s", async (status, errorClass) => {
    sandbox.injectFaults({ kind: "status", status, retryAfterSeconds: 2 });

    const outcomes = await mixpanelDelivery.deliver([item("m1", "users.canvas.Entry", { id: eventId(21) })]);

    expect(outcomes.get("m1")).toMatchObject({ kind: "failed", error: { errorClass, status } });
  });
});

describe("mixpanelDelivery.deliver with a service account", () => {
  const serviceAccount = { username: "sa.user", secret: "sa-secret", projectId: "12345" };
  let sandbox: MixpanelSandbox;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    cleanup = await useSecrets({ ...TEST_SECRETS, mixpanel: { serviceAccount } });
    sandbox = createMixpanelSandbox({ mixpanel: { serviceAccount } });
    process.env.MIXPANEL_API_URL = await sandbox.start(0);
  });
  afterAll(async () => {
    await sandbox.stop();
    await cleanup();
  });

  it("authenticates with the account's Basic credentials and project_id", async () => {
    const outcomes = await mixpanelDelivery.deliver([item("m1", "users.canvas.Entry", { id: eventId(30) })]);

    expect(outcomes.get("m1")).toEqual({ kind: "delivered" });
    expect(sandbox.calls[0]?.query.toString()).toBe("strict=1&project_id=12345");
    expect(sandbox.calls[0]?.headers.authorization).toBe(basic("sa.user", "sa-secret"));
  });
});
