import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMparticleSandbox, type MparticleSandbox } from "../../../../infra/local/sandboxes/mparticle.js";
import { eventId } from "../../../shared/sources/braze/factories.js";
import { TEST_SECRETS, basic } from "../../../support/secrets.js";
import { defined } from "../../../support/defined.js";

function batch(n: number, overrides: Record<string, unknown> = {}) {
  return {
    environment: "production",
    user_identities: { customer_id: `user-${n}` },
    events: [
      {
        event_type: "custom_event",
        data: { event_name: "Canvas Entry", custom_event_type: "other", source_message_id: eventId(n), timestamp_unixtime_ms: 1767225600000 },
      },
    ],
    ...overrides,
  };
}

describe("mParticle sandbox", () => {
  let sandbox: MparticleSandbox;

  const post = (body: unknown, authorization = basic("web-key", "web-secret"), path = "/v2/bulkevents") =>
    fetch(`${sandbox.url}${path}`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    sandbox = createMparticleSandbox({ feeds: TEST_SECRETS.mparticle.feeds });
    await sandbox.start(0);
  });
  afterEach(() => {
    sandbox.calls.length = 0;
    sandbox.accepted.length = 0;
    sandbox.dropped.length = 0;
  });
  afterAll(() => sandbox.stop());

  it("accepts valid batches with 202 and records the feed", async () => {
    const response = await post([batch(1), batch(2)]);

    expect(response.status).toBe(202);
    expect(sandbox.accepted.map((accepted) => [accepted.feed, accepted.batch.user_identities])).toEqual([
      ["web", { customer_id: "user-1" }],
      ["web", { customer_id: "user-2" }],
    ]);
    expect(sandbox.feedOf(defined(sandbox.calls[0]))).toBe("web");
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

  it("answers a bulk request with a bad batch inside 202, takes the good batches and drops the bad one", async () => {
    const invalid = batch(1, { environment: "staging", events: [{ event_type: "custom_event", data: { event_name: "x", custom_event_type: "weird" } }] });

    const response = await post([batch(2), invalid, batch(3)]);

    expect(response.status).toBe(202);
    expect(sandbox.accepted.map((accepted) => accepted.batch.user_identities)).toEqual([{ customer_id: "user-2" }, { customer_id: "user-3" }]);
    expect(sandbox.dropped).toHaveLength(1);
    expect(sandbox.dropped[0]).toMatchObject({ feed: "web", batch: invalid });
    expect(sandbox.dropped[0]?.reasons).toEqual(expect.arrayContaining(["/environment must be equal to one of the allowed values"]));
  });

  it.each([
    [
      "101 event attributes",
      {
        events: [
          {
            event_type: "custom_event",
            data: { event_name: "e", custom_event_type: "other", custom_attributes: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`a${i}`, i])) },
          },
        ],
      },
      "events.0.data.custom_attributes has 101 attributes; at most 100",
    ],
    ["an attribute value over 4096 characters", { user_attributes: { note: "x".repeat(4097) } }, "user_attributes.note is over 4096 characters"],
    [
      "101 user attributes",
      { user_attributes: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`u${i}`, "v"])) },
      "user_attributes has 101 attributes; at most 100",
    ],
    [
      "a user attribute list of 1001 entries",
      { user_attributes: { tags: Array.from({ length: 1001 }, () => "t") } },
      "user_attributes.tags has over 1000 entries",
    ],
    [
      "a batch of 128 KB",
      { user_attributes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`u${i}`, "x".repeat(4000)])) },
      "batch must be under 131072 bytes",
    ],
  ])("drops a batch with %s behind the 202", async (_, overrides, reason) => {
    const response = await post([batch(1, overrides)]);

    expect(response.status).toBe(202);
    expect(sandbox.accepted).toEqual([]);
    expect(sandbox.dropped[0]?.reasons).toContain(reason);
  });

  it("truncates event and attribute names over 256 characters, as mParticle does for server-to-server data", async () => {
    const long = "n".repeat(300);
    const response = await post([
      batch(1, { events: [{ event_type: "custom_event", data: { event_name: long, custom_event_type: "other", custom_attributes: { [long]: "v" } } }] }),
    ]);

    expect(response.status).toBe(202);
    const stored = sandbox.accepted[0]?.batch.events as Array<{ data: { event_name: string; custom_attributes: Record<string, string> } }>;
    expect(stored[0]?.data.event_name).toBe("n".repeat(256));
    expect(stored[0]?.data.custom_attributes).toEqual({ ["n".repeat(256)]: "v" });
  });

  it("answers 400 naming each schema violation of a single batch on /v2/events", async () => {
    const invalid = batch(1, { environment: "staging" });

    const response = await post(invalid, basic("web-key", "web-secret"), "/v2/events");

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ code: "VALIDATION_ERROR", message: "/environment must be equal to one of the allowed values" }] });
    expect(sandbox.accepted).toEqual([]);
  });

  it("answers 400 to more than 100 batches and to a body that is not an array", async () => {
    const tooMany = await post(Array.from({ length: 101 }, (_, i) => batch(i)));
    const notArray = await post(batch(1));
    const notJson = await post("{");

    expect([tooMany.status, notArray.status, notJson.status]).toEqual([400, 400, 400]);
    expect(await tooMany.json()).toEqual({ errors: [{ code: "BAD_REQUEST", message: "at most 100 batches per request" }] });
  });

  it("answers 413 to a request of 256 KB", async () => {
    const fat = (n: number) => batch(n, { user_attributes: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`u${i}`, "x".repeat(4000)])) });

    const bigRequest = await post([fat(1), fat(2), fat(3)]);

    expect(bigRequest.status).toBe(413);
    expect(sandbox.accepted).toEqual([]);
  });

  it("answers 404 elsewhere", async () => {
    expect((await post([], basic("web-key", "web-secret"), "/v1/events")).status).toBe(404);
  });
});
