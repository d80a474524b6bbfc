import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { DEFAULT_API_THROTTLE, parseAlarmEmail, parseRelayEnvironment, readApiThrottle } from "../../infra/context.js";

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

describe("readApiThrottle", () => {
  it("defaults to the documented rate and burst", () => {
    expect(readApiThrottle(new App().node)).toEqual({ rateLimit: 500, burstLimit: 1000 });
    expect(DEFAULT_API_THROTTLE).toEqual({ rateLimit: 500, burstLimit: 1000 });
  });

  it("takes apiRateLimit and apiBurstLimit from context, as numbers or the strings -c gives", () => {
    expect(readApiThrottle(new App({ context: { apiRateLimit: "50", apiBurstLimit: 80 } }).node)).toEqual({ rateLimit: 50, burstLimit: 80 });
  });

  it("rejects a value that is not a positive integer", () => {
    expect(() => readApiThrottle(new App({ context: { apiRateLimit: "fast" } }).node)).toThrow("context apiRateLimit must be a positive integer");
    expect(() => readApiThrottle(new App({ context: { apiBurstLimit: 0 } }).node)).toThrow("context apiBurstLimit must be a positive integer");
  });
});
