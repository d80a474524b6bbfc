import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMparticleSandbox, type MparticleSandbox } from "../../../../infra/local/sandboxes/mparticle.js";
import { eventId } from "../../../shared/sources/braze/factories.js";
import { TEST_SECRETS, basic } from "../../../support/secrets.js";

function batch(n: number, overrides: Record<string, unknown> = {}) {
  return {
    environment: "production",
    user_identities: { customer_id: `user-${n}` },
    events: [{ event_type: "custom_event", data: { event_name: "Canvas Entry", custom_event_type: "other", source_message_id: eventId(n), timestamp_unixtime_ms: 1767225600000 } }],
    ...overrides,
  };
}

describe("mParticle sandbox", () => {
  let sandbox: MparticleSandbox;

  const post = (body: unknown, authorization = basic("web-key", "web-secret"), path = "/v2/bulkevents") =>
    fetch(`${sandbox.url}${path}`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

  beforeAll(async () => {
    sandbox = createMparticleSandbox({ feeds: TEST_SECRETS.mparticle.feeds });
    await sandbox.start(0);
  });
  afterEach(() => {
    sandbox.calls.length = 0;
    sandbox.accepted.length = 0;
  });
  afterAll(() => sandbox.stop());

  it("accepts valid batches with 202 and records the feed", async () => {
    const response = await post([batch(1), batch(2)]);

    expect(response.status).toBe(202);
    expect(sandbox.accepted.map((accepted) => [accepted.feed, accepted.batch.user_identities])).toEqual([
      ["web", { customer_id: "user-1" }],
      ["web", { customer_id: "user-2" }],
    ]);
    expect(sandbox.feedOf(sandbox.calls[0]!)).toBe("web");
  });

  it("accepts a single batch on /v2/events", async () => {
    const response = await post(batch(1), basic("ios-key", "ios-secret"), "/v2/events");

    expect(response.status).toBe(202);
    expect(sandbox.accepted[0]?.feed).toBe("ios");
  });

  it.each([
    ["an unknown key", basic("nope", "web-secret")],
    ["a wrong secret", basic("web-key", "ios-secret")],
    ["no Basic header", "Bearer web-key"],
  ])("answers 401 to %s", async (_, authorization) => {
    const response = await post([batch(1)], authorization);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ errors: [{ code: "UNAUTHORIZED", message: "The request was not authorized: unknown API key or secret" }] });
    expect(sandbox.accepted).toEqual([]);
  });

  it("answers 400 naming each schema violation", async () => {
    const invalid = batch(1, { environment: "staging", events: [{ event_type: "custom_event", data: { event_name: "x", custom_event_type: "weird" } }] });

    const response = await post([batch(2), invalid]);

    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ code: string; message: string }> };
    expect(body.errors.map((error) => error.message)).toEqual(
      expect.arrayContaining(["batch 1: /environment must be equal to one of the allowed values"]),
    );
    expect(body.errors.every((error) => error.code === "VALIDATION_ERROR" && error.message.startsWith("batch 1:"))).toBe(true);
    expect(sandbox.accepted).toEqual([]);
  });

  it("answers 400 to more than 100 batches and to a body that is not an array", async () => {
    const tooMany = await post(Array.from({ length: 101 }, (_, i) => batch(i)));
    const notArray = await post(batch(1));
    const notJson = await post("{");

    expect([tooMany.status, notArray.status, notJson.status]).toEqual([400, 400, 400]);
    expect(await tooMany.json()).toEqual({ errors: [{ code: "BAD_REQUEST", message: "at most 100 batches per request" }] });
  });

  it("answers 413 to a batch of 128 KB or a request of 256 KB", async () => {
    const fat = (n: number, size: number) => batch(n, { user_attributes: { blob: "x".repeat(size) } });

    const bigBatch = await post([fat(1, 130 * 1024)]);
    const bigRequest = await post([fat(1, 100 * 1024), fat(2, 100 * 1024), fat(3, 100 * 1024)]);

    expect(bigBatch.status).toBe(413);
    expect(bigRequest.status).toBe(413);
  });

  it("answers 404 elsewhere", async () => {
    expect((await post([], basic("web-key", "web-secret"), "/v1/events")).status).toBe(404);
  });
});
