import { describe, expect, it } from "vitest";
import { deviceTypeFor, hwidFromToken, toPushwooshDate, toPushwooshRequest, toTypedValue } from "../../../../shared/destinations/pushwoosh/map.js";
import { PermanentError } from "../../../../shared/errors.js";
import { PUSHWOOSH_CREDENTIALS } from "../../sources/mparticle/factories.js";

const BASE = "https://api.pushwoosh.test";

describe("toTypedValue", () => {
  it.each([
    ["42", 42],
    ["-7", -7],
    ["3.25", 3.25],
    ["true", true],
    ["FALSE", false],
    ["2024-05-01T19:05:44Z", "2024-05-01 19:05"],
    ["2024-05-01T21:05:44.123+02:00", "2024-05-01 19:05"],
    ["2024-05-01", "2024-05-01 00:00"],
    ["Boca Raton", "Boca Raton"],
  ])("types %j as %j", (input, expected) => {
    expect(toTypedValue(input)).toEqual(expected);
  });

  it.each(["02134", "1.50", "1e3", "12345678901234567890", "-0", "0x1F", " 42", "2024-02-30", "2024-13-01"])(
    "keeps %j a string because a number or date would lose information",
    (input) => {
      expect(toTypedValue(input)).toBe(input);
    },
  );
});

describe("toPushwooshDate", () => {
  it("converts an offset without a colon to UTC", () => {
    expect(toPushwooshDate("2024-01-01T00:30:00-0130")).toBe("2024-01-01 02:00");
  });
});

describe("deviceTypeFor", () => {
  it.each([
    ["ios", undefined, "", 1],
    ["android", undefined, "", 3],
    ["other", "apns", "", 1],
    ["web", "web", "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", 10],
    ["web", "web", "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36", 11],
    ["web", "web", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", 12],
    ["web", "web", "curl/8.0", undefined],
    ["other", undefined, "", undefined],
  ] as const)("%s with a %s token and UA %j is %j", (platform, kind, userAgent, expected) => {
    expect(deviceTypeFor(platform, kind, userAgent)).toBe(expected);
  });
});

describe("toPushwooshRequest", () => {
  it("sends device API methods with the token header and the {request} wrapper", () => {
    const request = toPushwooshRequest({ method: "setTags", userId: "u1", tags: { Age: 42, Lists: ["a"] } }, PUSHWOOSH_CREDENTIALS, BASE);

    expect(request).toEqual({
      method: "POST",
      url: `${BASE}/json/1.3/setTags`,
      headers: { "content-type": "application/json", authorization: "Token device-api-token" },
      body: JSON.stringify({ request: { application: "ABCDE-12345", userId: "u1", tags: { Age: 42, Lists: ["a"] } } }),
    });
  });

  it("puts the server token in request.auth for createFilter, with a Seglang segment on the list tag", () => {
    const request = toPushwooshRequest(
      { method: "createFilter", name: "mParticle: VIP", tagName: "mParticle Audiences", tagValue: "VIP" },
      PUSHWOOSH_CREDENTIALS,
      BASE,
    );

    expect(request.headers).toEqual({ "content-type": "application/json" });
    expect(JSON.parse(request.body)).toEqual({
      request: {
        auth: "server-api-token",
        application: "ABCDE-12345",
        name: "mParticle: VIP",
        filter_expression: 'A("ABCDE-12345") * T("mParticle Audiences", IN, ["VIP"])',
      },
    });
  });

  it("sends bulkSetTags unwrapped to the v2 audience API", () => {
    const devices = [{ user_id: "u1", list_operator: "append" as const, tags: { "mParticle Audiences": ["VIP"] } }];

    const request = toPushwooshRequest({ method: "bulkSetTags", devices }, PUSHWOOSH_CREDENTIALS, BASE);

    expect(request.url).toBe(`${BASE}/api/v2/audience/bulkSetTags`);
    expect(JSON.parse(request.body)).toEqual({ application: "ABCDE-12345", auth: "server-api-token", create_missing_tags: true, devices });
  });

  it("refuses a server API call without the server token, permanently", () => {
    const { serverApiToken: _server, ...deviceOnly } = PUSHWOOSH_CREDENTIALS;

    expect(() => toPushwooshRequest({ method: "deleteFilter", name: "x" }, deviceOnly, BASE)).toThrow(PermanentError);
  });
});

describe("hwidFromToken", () => {
  it("is stable and does not reveal the token", () => {
    expect(hwidFromToken("token-1")).toBe(hwidFromToken("token-1"));
    expect(hwidFromToken("token-1")).not.toContain("token");
    expect(hwidFromToken("token-1")).toHaveLength(32);
  });
});
