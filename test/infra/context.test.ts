import { describe, expect, it } from "vitest";
import { parseAlarmEmail, parseRelayEnvironment } from "../../infra/context.js";

describe("parseRelayEnvironment", () => {
  it("accepts the object form cdk.json gives", () => {
    expect(parseRelayEnvironment({ MIXPANEL_API_URL: "https://api-eu.mixpanel.com" })).toEqual({ MIXPANEL_API_URL: "https://api-eu.mixpanel.com" });
  });

  it("accepts the JSON string `-c relayEnvironment=...` gives", () => {
    expect(parseRelayEnvironment('{"MPARTICLE_API_URL":"https://s2s.eu1.mparticle.com"}')).toEqual({ MPARTICLE_API_URL: "https://s2s.eu1.mparticle.com" });
  });

  it("stringifies numbers and booleans", () => {
    expect(parseRelayEnvironment({ RETRY_BASE_SECONDS: 5, POWERTOOLS_DEV: false })).toEqual({ RETRY_BASE_SECONDS: "5", POWERTOOLS_DEV: "false" });
  });

  it("treats an absent context as empty", () => {
    expect(parseRelayEnvironment(undefined)).toEqual({});
    expect(parseRelayEnvironment("")).toEqual({});
  });

  it("rejects what cannot be an environment", () => {
    expect(() => parseRelayEnvironment("{not json")).toThrow(/not valid JSON/);
    expect(() => parseRelayEnvironment('["A"]')).toThrow(/must be an object/);
    expect(() => parseRelayEnvironment({ "BAD-NAME": "x" })).toThrow(/not a valid env var name/);
    expect(() => parseRelayEnvironment({ NESTED: { a: 1 } })).toThrow(/NESTED must be a string/);
  });
});

describe("parseAlarmEmail", () => {
  it("accepts an address and ignores an absent one", () => {
    expect(parseAlarmEmail("ops@example.com")).toBe("ops@example.com");
    expect(parseAlarmEmail(undefined)).toBeUndefined();
  });

  it("rejects anything else", () => {
    expect(() => parseAlarmEmail("ops")).toThrow(/email address/);
  });
});
