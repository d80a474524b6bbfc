import { describe, expect, it } from "vitest";
import { redact } from "../../cli/redact.js";
import { REDACTED, redactText } from "../../shared/observability.js";

describe("redact", () => {
  it("replaces the values of secret-named keys at any depth, whatever their casing", () => {
    const input = {
      apiKey: "k1",
      api_key: "k2",
      "X-Auth-Token": "k3",
      clientSecret: "k4",
      PASSWORD: "k5",
      credentials: { user: "svc", pass: "k6" },
      list: [{ pushwooshToken: "k7" }],
      application: "ABCDE-12345",
      count: 3,
    };

    const output = redact(input);

    expect(output).toEqual({
      apiKey: REDACTED,
      api_key: REDACTED,
      "X-Auth-Token": REDACTED,
      clientSecret: REDACTED,
      PASSWORD: REDACTED,
      credentials: REDACTED,
      list: [{ pushwooshToken: REDACTED }],
      application: "ABCDE-12345",
      count: 3,
    });
    expect(input.apiKey).toBe("k1");
  });

  it("scrubs Authorization-like values and key/value secrets inside free text", () => {
    expect(redactText("sent Authorization: Bearer abc.def-ghi to the partner")).toBe(`sent Authorization: "${REDACTED}" to the partner`);
    expect(redactText("header was Basic dXNlcjpwYXNz, retry")).toBe(`header was Basic ${REDACTED}, retry`);
    expect(redactText('{"status":"error","api_token":"t-123","reason":"bad"}')).toBe(`{"status":"error","api_token":"${REDACTED}","reason":"bad"}`);
    expect(redactText("url?auth=xyz&id=1")).toBe(`url?auth="${REDACTED}"&id=1`);
    expect(redactText("Mixpanel answered HTTP 400: 2 records failed")).toBe("Mixpanel answered HTTP 400: 2 records failed");
    expect(redactText("Token has expired")).toBe("Token has expired");
  });

  it("replaces every value of mParticle account settings, Pushwoosh's auth and feed keys, keeping the names readable", () => {
    const input = {
      account: { account_id: 7, account_settings: { applicationCode: "ABCDE-12345", apiToken: "t-1", audienceTag: "vip" } },
      request: { application: "ABCDE-12345", auth: "server-token", name: "filter" },
      feeds: { ios: { key: "feed-key", secret: "feed-secret" } },
      headers: { authorization: "Basic ZmVlZC1rZXk6ZmVlZC1zZWNyZXQ=", "x-api-key": "k" },
      accountSettings: "opaque",
    };

    expect(redact(input)).toEqual({
      account: { account_id: 7, account_settings: { applicationCode: REDACTED, apiToken: REDACTED, audienceTag: REDACTED } },
      request: { application: "ABCDE-12345", auth: REDACTED, name: "filter" },
      feeds: { ios: { key: REDACTED, secret: REDACTED } },
      headers: { authorization: REDACTED, "x-api-key": REDACTED },
      accountSettings: REDACTED,
    });
  });
});
