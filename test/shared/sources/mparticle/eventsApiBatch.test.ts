import { describe, expect, it } from "vitest";
import { eventsApiBatchSchema, parseEventsApiJson, webhookBodySchema } from "../../../../shared/sources/mparticle/eventsApiBatch.js";
import { eventsApiValidator, webhookFixture, webhookFixtureText } from "./webhookFactories.js";

describe("the mParticle Webhook samples", () => {
  it("are valid Events API batches by mParticle's published schema", () => {
    const batches = [webhookFixture("ios-batch.json"), ...(webhookFixture("batches.json") as object[])];
    for (const batch of batches) expect(eventsApiValidator(batch), JSON.stringify(eventsApiValidator.errors)).toBe(true);
    expect(webhookBodySchema.safeParse(webhookFixture("batches.json")).success).toBe(true);
  });
});

describe("parseEventsApiJson", () => {
  it("keeps 64-bit integers exact as digit strings, and leaves other numbers alone", () => {
    expect(parseEventsApiJson('{"mpid": -8433569191518584284, "n": 12, "f": 1.5e3, "safe": 9007199254740991, "list": [8016782932541212345]}')).toEqual({
      mpid: "-8433569191518584284",
      n: 12,
      f: 1500,
      safe: 9007199254740991,
      list: ["8016782932541212345"],
    });
  });

  it("leaves digits inside strings (escaped quotes included) untouched", () => {
    const text = '{"a": "x\\" 8016782932541212345 \\"", "b": "8016782932541212345"}';
    expect(parseEventsApiJson(text)).toEqual(JSON.parse(text));
  });

  it("reads the samples as JSON.parse does, but for the 64-bit ids", () => {
    const parsed = parseEventsApiJson(webhookFixtureText("batches.json")) as Array<{ mpid: unknown }>;
    expect(parsed.map((batch) => batch.mpid)).toEqual(["8016782932541212345", "3172893310923451234", "3172893310923451234"]);
  });

  it("throws on what is not JSON, as JSON.parse does", () => {
    expect(() => parseEventsApiJson('{"mpid": 8016782932541212345')).toThrow(SyntaxError);
    expect(() => parseEventsApiJson("-")).toThrow(SyntaxError);
  });
});

describe("eventsApiBatchSchema", () => {
  it("accepts unknown fields and event types, and the schema's nulls", () => {
    const parsed = eventsApiBatchSchema.parse({
      environment: "development",
      mpid: null,
      user_attributes: null,
      device_info: { platform: "roku", push_token: null, brand: "x" },
      events: [{ event_type: "a_future_type", data: { anything: 1 } }, { event_type: "session_start", data: { session_id: 1 } }],
      brand_new_field: {},
    });
    expect(parsed.events).toEqual([{ event_type: "a_future_type", other: true }, { event_type: "session_start", other: true }]);
    expect(parsed.mpid).toBeUndefined();
  });

  it("names the field of an event type it uses", () => {
    const result = eventsApiBatchSchema.safeParse({ events: [{ event_type: "screen_view", data: { screen_name: "" } }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["events", 0, "data", "screen_name"]);
  });
});
