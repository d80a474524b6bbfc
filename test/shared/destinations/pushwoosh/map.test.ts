import { describe, expect, it } from "vitest";
import { toPushwooshRequest } from "../../../../shared/destinations/pushwoosh/map.js";
import { PermanentError } from "../../../../shared/errors.js";
import { PUSHWOOSH_CREDENTIALS } from "../../sources/mparticle/factories.js";

const BASE = "https://api.pushwoosh.test";

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

  it("puts the server token in request.auth for createFilter, with a Seglang segment on the list tag and no `application`", () => {
    const request = toPushwooshRequest(
      { method: "createFilter", name: "mParticle: VIP", tagName: "mParticle Audiences", tagValue: "VIP" },
      PUSHWOOSH_CREDENTIALS,
      BASE,
    );

    expect(request.headers).toEqual({ "content-type": "application/json" });
    // `application` is "usable only with High-Speed Setup; omit otherwise" (filters reference).
    expect(JSON.parse(request.body)).toEqual({
      request: {
        auth: "server-api-token",
        name: "mParticle: VIP",
        filter_expression: 'A("ABCDE-12345") * T("mParticle Audiences", IN, ["VIP"])',
      },
    });
  });

  it("adds `application` to createFilter with High-Speed Setup", () => {
    const call = { method: "createFilter", name: "mParticle: VIP", tagName: "mParticle Audiences", tagValue: "VIP" } as const;

    const request = toPushwooshRequest(call, PUSHWOOSH_CREDENTIALS, BASE, { highSpeedSetup: true });

    expect(JSON.parse(request.body)).toMatchObject({ request: { auth: "server-api-token", application: "ABCDE-12345", name: "mParticle: VIP" } });
  });

  it("sends deleteUser to the v2 device API with the Device token, application and user_id", () => {
    const request = toPushwooshRequest({ method: "deleteUser", userId: "u1" }, PUSHWOOSH_CREDENTIALS, BASE);

    expect(request).toEqual({
      method: "POST",
      url: `${BASE}/api/v2/device-api/deleteUser`,
      headers: { "content-type": "application/json", authorization: "Token device-api-token" },
      body: JSON.stringify({ application: "ABCDE-12345", user_id: "u1" }),
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
