import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPushwooshSandbox, type PushwooshSandbox } from "../../../../infra/local/sandboxes/pushwoosh.js";

const APP = "APP-1";
const DEVICE_TOKEN = "device-token-7c1";
const SERVER_TOKEN = "server-token-4e9";

/** Raw HTTP against the sandbox, so its validation is tested independently of our client. */
async function post(base: string, path: string, body: unknown, token?: string) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Token ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("Pushwoosh sandbox", () => {
  let sandbox: PushwooshSandbox;
  let base: string;

  beforeAll(async () => {
    sandbox = createPushwooshSandbox({ credentials: { applicationCode: APP, apiToken: DEVICE_TOKEN, serverApiToken: SERVER_TOKEN }, events: ["Known"] });
    base = await sandbox.start(0);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it("keeps list tags per user: a plain array replaces, append and remove edit, null clears", async () => {
    const setTags = (tags: unknown) => post(base, "/json/1.3/setTags", { request: { application: APP, userId: "u", tags } }, DEVICE_TOKEN);

    await setTags({ Audiences: ["a", "b"], City: "Boca" });
    await setTags({ Audiences: { operation: "append", value: ["c", "a"] } });
    await setTags({ Audiences: { operation: "remove", value: ["b"] }, City: null });

    expect(sandbox.tagsOfUser("u")).toEqual({ Audiences: ["a", "c"] });
  });

  it.each([
    ["a body without the request wrapper", "/json/1.3/setTags", { application: APP, userId: "u", tags: {} }, DEVICE_TOKEN, 400],
    ["a body that is not JSON", "/json/1.3/setTags", "{not json", DEVICE_TOKEN, 400],
  ])("answers %s with HTTP %s", async (_label, path, body, token, status) => {
    const answer = await post(base, path, body, token);

    expect(answer.status).toBe(status);
  });

  it.each([
    ["postEvent without attributes", "/json/1.3/postEvent", { application: APP, userId: "u", event: "E" }, /attributes/],
    [
      "registerDevice with an unknown device_type",
      "/json/1.3/registerDevice",
      { application: APP, hwid: "h", push_token: "p", device_type: 99 },
      /device_type/,
    ],
    ["setTags without a user or device", "/json/1.3/setTags", { application: APP, tags: { a: 1 } }, /userId or hwid/],
    ["setTags with an object value", "/json/1.3/setTags", { application: APP, userId: "u", tags: { a: { b: 1 } } }, /Invalid value/],
  ])("answers %s with status_code 210 and a message", async (_label, path, request, message) => {
    const answer = await post(base, path, { request }, DEVICE_TOKEN);

    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(210);
    expect(String(answer.body.status_message)).toMatch(message);
  });

  const setTags = { request: { application: APP, userId: "u", tags: { a: 1 } } };
  const createFilter = (auth?: string) => ({ request: { application: APP, name: "f", filter_expression: 'T("a", EQ, 1)', ...(auth ? { auth } : {}) } });
  it.each([
    ["a device method without the Authorization header", "/json/1.3/setTags", setTags, undefined],
    ["a device method with an unknown token", "/json/1.3/setTags", setTags, "unknown-token"],
    ["a device method with the Server token in the header", "/json/1.3/setTags", setTags, SERVER_TOKEN],
    ["a device method with the token in `auth` instead of the header", "/json/1.3/setTags", { request: { ...setTags.request, auth: DEVICE_TOKEN } }, undefined],
    ["a server method without `auth`", "/json/1.3/createFilter", createFilter(), undefined],
    ["a server method with an unknown `auth`", "/json/1.3/createFilter", createFilter("unknown-token"), undefined],
    ["a server method with the Device token as `auth`", "/json/1.3/createFilter", createFilter(DEVICE_TOKEN), undefined],
    ["a server method with the Server token in the header only", "/json/1.3/createFilter", createFilter(), SERVER_TOKEN],
  ])("refuses %s with HTTP 401 and changes nothing", async (_label, path, body, token) => {
    const answer = await post(base, path, body, token);

    expect(answer).toEqual({ status: 401, body: { status_code: 401, status_message: "Unauthorized", response: null } });
    expect(sandbox.tagsOfUser("u")?.a).toBeUndefined();
    expect(sandbox.filters.has("f")).toBe(false);
  });

  it("accepts each token where it belongs, and answers 210 for an application the account does not have", async () => {
    const device = await post(base, "/json/1.3/unregisterDevice", { request: { application: APP, hwid: "h" } }, DEVICE_TOKEN);
    const server = await post(base, "/json/1.3/deleteFilter", { request: { auth: SERVER_TOKEN, name: "none" } });
    const otherApp = await post(base, "/json/1.3/unregisterDevice", { request: { application: "OTHER-APP", hwid: "h" } }, DEVICE_TOKEN);

    expect(device.body).toEqual({ status_code: 200, status_message: "OK", response: null });
    expect(server.status).toBe(200);
    expect(server.body.status_message).toMatch(/not found/);
    expect(otherApp).toEqual({ status: 200, body: { status_code: 210, status_message: "Application not found", response: null } });
  });

  it("refuses bulkSetTags and its status poll without the Server token", async () => {
    const devices = [{ user_id: "bulk-refused", list_operator: "set", tags: { a: 1 } }];

    const refused = await post(base, "/api/v2/audience/bulkSetTags", { application: APP, auth: DEVICE_TOKEN, devices });
    const poll = await fetch(`${base}/api/v2/audience/bulkSetTags/any`, { headers: { authorization: `Token ${DEVICE_TOKEN}` } });

    expect(refused.status).toBe(401);
    expect(poll.status).toBe(401);
    expect(sandbox.tagsOfUser("bulk-refused")).toBeUndefined();
  });

  it("answers bulkSetTags with a pending request id whose status can be polled", async () => {
    const accepted = await post(base, "/api/v2/audience/bulkSetTags", {
      application: APP,
      auth: SERVER_TOKEN,
      create_missing_tags: true,
      devices: [{ user_id: "bulk", list_operator: "append", tags: { Audiences: ["x"] } }],
    });
    const poll = await fetch(`${base}/api/v2/audience/bulkSetTags/${String(accepted.body.request_id)}`, {
      headers: { authorization: `Token ${SERVER_TOKEN}` },
    });

    expect(accepted).toEqual({ status: 200, body: { request_id: expect.any(String), status: "Pending" } });
    expect(await poll.json()).toEqual({ request_id: accepted.body.request_id, status: "Completed" });
    expect(sandbox.tagsOfUser("bulk")).toEqual({ Audiences: ["x"] });
  });

  it("refuses a second filter of the same name and a delete of an unknown one", async () => {
    const filter = { application: APP, auth: SERVER_TOKEN, name: "seg", filter_expression: 'T("a", EQ, 1)' };

    const first = await post(base, "/json/1.3/createFilter", { request: filter });
    const second = await post(base, "/json/1.3/createFilter", { request: filter });
    const deleted = await post(base, "/json/1.3/deleteFilter", { request: { auth: SERVER_TOKEN, name: "seg" } });
    const deletedAgain = await post(base, "/json/1.3/deleteFilter", { request: { auth: SERVER_TOKEN, name: "seg" } });

    expect(first.body).toEqual({ status_code: 200, status_message: "OK", response: { name: "seg" } });
    expect(second.body.status_message).toMatch(/already exists/);
    expect(deleted.body.status_code).toBe(200);
    expect(deletedAgain.body.status_message).toMatch(/not found/);
    expect(sandbox.filters.size).toBe(0);
  });

  it("fixes a tag's type with its first value and refuses a value of another type with 210", async () => {
    const setTags = (tags: unknown) => post(base, "/json/1.3/setTags", { request: { application: APP, userId: "typed", tags } }, DEVICE_TOKEN);

    expect((await setTags({ Zip: "02134", Age: 34, Score: 9.75, Joined: "2024-05-01 00:15", Vip: true, Genres: ["jazz"] })).body.status_code).toBe(200);
    const flipped = await setTags({ Zip: 33431 });
    const decimalForInteger = await setTags({ Age: 34.5 });
    const notADate = await setTags({ Joined: "soon" });

    expect(flipped.body).toEqual({ status_code: 210, status_message: 'Tag "Zip" is of type String: value 33431 refused', response: null });
    expect(decimalForInteger.body.status_code).toBe(210);
    expect(notADate.body.status_code).toBe(210);
    // Whole numbers fit a Decimal, any string a String tag, and null clears any tag.
    expect((await setTags({ Score: 10, Zip: "2024-05-01 00:15", Vip: null })).body.status_code).toBe(200);
    expect(sandbox.tagType("Zip")).toBe("String");
    expect(sandbox.tagType("Joined")).toBe("Date");
    expect(sandbox.tagsOfUser("typed")).toMatchObject({ Zip: "2024-05-01 00:15", Age: 34, Score: 10 });
  });

  it("refuses a bulkSetTags entry whose value does not fit its tag's type", async () => {
    await post(base, "/json/1.3/setTags", { request: { application: APP, userId: "bulk-typed", tags: { Level: 3 } } }, DEVICE_TOKEN);

    const refused = await post(base, "/api/v2/audience/bulkSetTags", {
      application: APP,
      auth: SERVER_TOKEN,
      devices: [{ user_id: "bulk-typed", list_operator: "set", tags: { Level: "three" } }],
    });

    expect(refused).toEqual({ status: 400, body: { error: { message: 'devices[0]: Tag "Level" is of type Integer: value "three" refused' } } });
  });

  it("takes postEvent only for events created in the Control Panel, case-sensitively", async () => {
    const postEvent = (event: string) =>
      post(base, "/json/1.3/postEvent", { request: { application: APP, userId: "u", hwid: "h", event, attributes: {} } }, DEVICE_TOKEN);

    expect((await postEvent("Known")).body.status_code).toBe(200);
    expect((await postEvent("known")).body).toEqual({ status_code: 210, status_message: 'Event not found: "known"', response: null });
    sandbox.createEvents("known");
    expect((await postEvent("known")).body.status_code).toBe(200);
  });

  // Tokens in the forms Pushwoosh documents (device-api example, device-identifiers page, the Web SDK's getPushToken).
  const APNS = "dec301908b9ba8df85e57a58e40f96f523f4c2068674f5fe2ba25cdc250a2a41";
  const FCM =
    "APA91bFoi3lMMre9G3XzR1LrF4ZT82_15MsMdEICogXSLB8-MrdkRuRQFwNI5u8Dh0cI90ABD3BOKnxkEla8cGdisbDHl5cVIkZah5QUhSAxzx4Roa7b4xy9tvx9iNSYw-eXBYYd8k1XKf8Q_Qq1X9-x-U-Y79vdPq";
  const FCM_WITH_PREFIX = `fZhR0fsr0zw:${FCM}`;
  const CHROME_ENDPOINT = `https://fcm.googleapis.com/fcm/send/${FCM_WITH_PREFIX}`;
  const FIREFOX_ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABmVx3oYyM0c2VydmVyLXN1YnNjcmlwdGlvbg";
  const register = (device: Record<string, unknown>) => post(base, "/json/1.3/registerDevice", { request: { application: APP, ...device } }, DEVICE_TOKEN);

  it.each([
    ["iOS", 1, APNS],
    ["iOS, upper case", 1, APNS.toUpperCase()],
    ["Android", 3, FCM],
    ["Android, with a colon-separated prefix", 3, FCM_WITH_PREFIX],
    ["Safari (legacy APNs token, upper-cased by the Web SDK)", 10, APNS.toUpperCase()],
    ["Safari (Push API endpoint)", 10, "https://web.push.apple.com/QGuQyavXutnMH6"],
    ["Chrome (endpoint, current Web SDK)", 11, CHROME_ENDPOINT],
    ["Chrome (last path segment, older Web SDKs)", 11, FCM_WITH_PREFIX],
    ["Firefox (endpoint)", 12, FIREFOX_ENDPOINT],
    ["Windows (WNS channel URI)", 8, "https://db5p.notify.windows.com/w/?token=BQYAAAD"],
    ["Huawei (no documented form)", 17, "0866452030129512300003374800DE01"],
    ["Xiaomi (no documented form)", 19, "aBcD/xiaomi+regid="],
  ])("registers a %s push token", async (_label, deviceType, token) => {
    const hwid = `form-${deviceType}-${token.length}-${token.slice(-4)}`;

    const answer = await register({ hwid, push_token: token, device_type: deviceType });

    expect(answer.body).toEqual({ status_code: 200, status_message: "OK", response: null });
    expect(sandbox.devices.get(hwid)).toMatchObject({ push_token: token, device_type: deviceType });
  });

  it.each([
    [
      'an APNs token in the old "<… …>" description form',
      1,
      "<e481f135 9629f0c3 a6b2e1c0 7c5d3c0c 2e1ad80d 7b6b3e56 f8e5c8a2 7f9b0b41>",
      /device_type 1 \(iOS\): an APNs token is 64 hexadecimal/,
    ],
    ["an APNs token that is not hex", 1, "apns-token-e2e", /64 hexadecimal/],
    ["an APNs token one digit short", 1, APNS.slice(1), /64 hexadecimal/],
    ["an FCM token with a space", 3, `${FCM} x`, /device_type 3 \(Android\)/],
    ["a URL as an Android token", 3, CHROME_ENDPOINT, /FCM registration token/],
    ["a bare token for Firefox", 12, FCM, /device_type 12 \(Firefox\): a push subscription endpoint URL/],
    ["a plain-http endpoint for Chrome", 11, "http://fcm.googleapis.com/fcm/send/x y", /device_type 11 \(Chrome\)/],
    ["a Safari token that is neither hex nor an endpoint", 10, "safari-token", /device_type 10 \(Safari\)/],
  ])("refuses %s with status_code 210 and registers nothing", async (_label, deviceType, token, message) => {
    const hwid = `refused-${deviceType}-${token.length}`;

    const answer = await register({ hwid, push_token: token, device_type: deviceType });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status_code: 210, response: null });
    expect(String(answer.body.status_message)).toMatch(message);
    expect(sandbox.devices.has(hwid)).toBe(false);
  });

  it("registers a device without a push token, and SMS and WhatsApp devices by their E.164 phone number", async () => {
    expect((await register({ hwid: "no-token-yet", device_type: 11 })).body.status_code).toBe(200);
    expect((await register({ hwid: "+14155550123", device_type: 18 })).body.status_code).toBe(200);
    expect((await register({ hwid: "whatsapp:+14155550123", device_type: 21 })).body.status_code).toBe(200);
    expect((await register({ hwid: "4155550123", device_type: 18 })).body.status_message).toMatch(/E\.164/);
    expect((await register({ hwid: "+14155550123", device_type: 21 })).body.status_message).toMatch(/whatsapp:/);

    expect(sandbox.devices.get("no-token-yet")).toEqual({ application: APP, hwid: "no-token-yet", device_type: 11 });
    expect(sandbox.devices.has("4155550123")).toBe(false);
  });

  it("keeps the device on unregisterDevice and only drops its push token", async () => {
    await post(base, "/json/1.3/registerDevice", { request: { application: APP, hwid: "kept", push_token: "fcm-t", device_type: 3 } }, DEVICE_TOKEN);

    await post(base, "/json/1.3/unregisterDevice", { request: { application: APP, hwid: "kept" } }, DEVICE_TOKEN);

    expect(sandbox.devices.get("kept")).toEqual({ application: APP, hwid: "kept", device_type: 3 });
  });

  it("deletes a user with its tags and devices on deleteUser (v2 device API, Device token, unwrapped body)", async () => {
    await post(
      base,
      "/json/1.3/registerDevice",
      { request: { application: APP, hwid: "gone-1", push_token: "a".repeat(64), device_type: 1, userId: "leaver" } },
      DEVICE_TOKEN,
    );
    await post(
      base,
      "/json/1.3/registerDevice",
      { request: { application: APP, hwid: "stays", push_token: "b".repeat(64), device_type: 1, userId: "stayer" } },
      DEVICE_TOKEN,
    );
    await post(base, "/json/1.3/setTags", { request: { application: APP, userId: "leaver", tags: { City: "Boca" } } }, DEVICE_TOKEN);

    const wrongToken = await post(base, "/api/v2/device-api/deleteUser", { application: APP, user_id: "leaver" }, SERVER_TOKEN);
    const noUser = await post(base, "/api/v2/device-api/deleteUser", { application: APP }, DEVICE_TOKEN);
    const deleted = await post(base, "/api/v2/device-api/deleteUser", { application: APP, user_id: "leaver" }, DEVICE_TOKEN);

    expect(wrongToken.status).toBe(401);
    expect(noUser).toEqual({ status: 400, body: { error: { message: "user_id is required" } } });
    expect(deleted).toEqual({ status: 200, body: {} });
    expect(sandbox.tagsOfUser("leaver")).toBeUndefined();
    expect(sandbox.devices.has("gone-1")).toBe(false);
    expect(sandbox.devices.has("stays")).toBe(true);
  });

  it("accepts createFilter with or without `application` (documented as for High-Speed Setup only)", async () => {
    const filter = (name: string, application?: string) => ({
      request: { auth: SERVER_TOKEN, name, filter_expression: 'T("a", EQ, 1)', ...(application ? { application } : {}) },
    });

    expect((await post(base, "/json/1.3/createFilter", filter("without-app"))).body.status_code).toBe(200);
    expect((await post(base, "/json/1.3/createFilter", filter("with-app", APP))).body.status_code).toBe(200);
    expect((await post(base, "/json/1.3/createFilter", filter("other-app", "OTHER-APP"))).body.status_message).toBe("Application not found");
  });
});
