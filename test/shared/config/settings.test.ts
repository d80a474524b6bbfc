import { describe, expect, it } from "vitest";
import {
  listSetting,
  lambdaEndpoint,
  mparticleAttributePrefix,
  ownFunctionName,
  partnerProbeSeconds,
  partnerBaseUrl,
  partnerTimeoutMs,
  pushwooshHighSpeedSetup,
  requiredUrl,
  retryBaseSeconds,
  retryHoldSeconds,
  secretsTtlSeconds,
  switchSetting,
} from "../../../shared/config/settings.js";
import { withEnv } from "../../support/env.js";

describe("settings", () => {
  it("gives partner base URLs without a trailing slash, defaulting to the partner's", () => {
    expect(withEnv({ MIXPANEL_API_URL: "http://localhost:9/" }, () => partnerBaseUrl("MIXPANEL_API_URL"))).toBe("http://localhost:9");
    expect(withEnv({ MIXPANEL_API_URL: undefined }, () => partnerBaseUrl("MIXPANEL_API_URL"))).toBe("https://api.mixpanel.com");
  });

  it("defaults mParticle to the partner-feed URL, and keeps a configured pod", () => {
    expect(withEnv({ MPARTICLE_API_URL: undefined }, () => partnerBaseUrl("MPARTICLE_API_URL"))).toBe("https://inbound.mparticle.com/s2s");
    expect(withEnv({ MPARTICLE_API_URL: "https://s2s.eu1.mparticle.com" }, () => partnerBaseUrl("MPARTICLE_API_URL"))).toBe("https://s2s.eu1.mparticle.com");
  });

  it.each([
    [undefined, 10_000],
    ["2500", 2500],
    ["-1", 10_000],
    ["soon", 10_000],
  ])("reads PARTNER_TIMEOUT_MS=%s as %i ms", (value, expected) => {
    expect(withEnv({ PARTNER_TIMEOUT_MS: value }, partnerTimeoutMs)).toBe(expected);
  });

  it.each([
    [undefined, 300],
    ["60", 60],
    ["0", 0],
    ["-5", 300],
    ["daily", 300],
  ])("reads RELAY_SECRETS_TTL_SECONDS=%s as %i s (zero: read on every use)", (value, expected) => {
    expect(withEnv({ RELAY_SECRETS_TTL_SECONDS: value }, secretsTtlSeconds)).toBe(expected);
  });

  it("reads RETRY_BASE_SECONDS, defaulting to 30", () => {
    expect(withEnv({ RETRY_BASE_SECONDS: "0.5" }, retryBaseSeconds)).toBe(0.5);
    expect(withEnv({ RETRY_BASE_SECONDS: undefined }, retryBaseSeconds)).toBe(30);
  });

  it("reads RETRY_HOLD_SECONDS (default a day, Braze's window) and PARTNER_PROBE_SECONDS (default a minute)", () => {
    expect(withEnv({ RETRY_HOLD_SECONDS: undefined }, retryHoldSeconds)).toBe(86_400);
    expect(withEnv({ RETRY_HOLD_SECONDS: "5" }, retryHoldSeconds)).toBe(5);
    expect(withEnv({ RETRY_HOLD_SECONDS: "0" }, retryHoldSeconds)).toBe(86_400);
    expect(withEnv({ PARTNER_PROBE_SECONDS: undefined }, partnerProbeSeconds)).toBe(60);
    expect(withEnv({ PARTNER_PROBE_SECONDS: "0.5" }, partnerProbeSeconds)).toBe(0.5);
    expect(withEnv({ PARTNER_PROBE_SECONDS: "often" }, partnerProbeSeconds)).toBe(60);
  });

  it("reads the function's own name and the Lambda endpoint, naming a missing name", () => {
    expect(withEnv({ AWS_LAMBDA_FUNCTION_NAME: "mixpanel-worker" }, ownFunctionName)).toBe("mixpanel-worker");
    expect(() => withEnv({ AWS_LAMBDA_FUNCTION_NAME: " " }, ownFunctionName)).toThrow("AWS_LAMBDA_FUNCTION_NAME is not set");
    expect(withEnv({ AWS_ENDPOINT_URL_LAMBDA: "http://127.0.0.1:9" }, lambdaEndpoint)).toBe("http://127.0.0.1:9");
    expect(withEnv({ AWS_ENDPOINT_URL_LAMBDA: undefined }, lambdaEndpoint)).toBeUndefined();
  });

  it("reads MPARTICLE_ATTRIBUTE_PREFIX, empty by default", () => {
    expect(withEnv({ MPARTICLE_ATTRIBUTE_PREFIX: "braze_" }, mparticleAttributePrefix)).toBe("braze_");
    expect(withEnv({ MPARTICLE_ATTRIBUTE_PREFIX: undefined }, mparticleAttributePrefix)).toBe("");
  });

  it("names a missing queue URL", () => {
    expect(() => withEnv({ MIXPANEL_QUEUE_URL: undefined }, () => requiredUrl("MIXPANEL_QUEUE_URL"))).toThrow("MIXPANEL_QUEUE_URL is not set");
    expect(withEnv({ MIXPANEL_QUEUE_URL: "http://q" }, () => requiredUrl("MIXPANEL_QUEUE_URL"))).toBe("http://q");
  });

  it("reads switches as on (default) or off, and refuses anything else", () => {
    expect(withEnv({ SOME_SWITCH: undefined }, () => switchSetting("SOME_SWITCH"))).toBe(true);
    expect(withEnv({ SOME_SWITCH: " OFF " }, () => switchSetting("SOME_SWITCH"))).toBe(false);
    expect(() => withEnv({ SOME_SWITCH: "yes" }, () => switchSetting("SOME_SWITCH"))).toThrow('SOME_SWITCH must be "on" or "off"');
  });

  it("reads comma-separated lists, undefined when empty", () => {
    expect(withEnv({ SOME_LIST: " a, b ,," }, () => listSetting("SOME_LIST"))).toEqual(["a", "b"]);
    expect(withEnv({ SOME_LIST: " , " }, () => listSetting("SOME_LIST"))).toBeUndefined();
  });

  it("reads PUSHWOOSH_HIGH_SPEED_SETUP, false by default", () => {
    expect(withEnv({ PUSHWOOSH_HIGH_SPEED_SETUP: undefined }, pushwooshHighSpeedSetup)).toBe(false);
    expect(withEnv({ PUSHWOOSH_HIGH_SPEED_SETUP: "TRUE" }, pushwooshHighSpeedSetup)).toBe(true);
    expect(() => withEnv({ PUSHWOOSH_HIGH_SPEED_SETUP: "yes" }, pushwooshHighSpeedSetup)).toThrow('PUSHWOOSH_HIGH_SPEED_SETUP must be "true" or "false"');
  });
});
