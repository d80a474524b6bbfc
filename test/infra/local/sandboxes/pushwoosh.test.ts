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
    ["registerDevice with an unknown device_type", "/json/1.3/registerDevice", { application: APP, hwid: "h", push_token: "p", device_type: 99 }, /device_type/],
    ["setTags without a user or device", "/json/1.3/setTags", { application: APP, tags: { a: 1 } }, /userId or hwid/],
    ["setTags with an object value", "/json/1.3/setTags", { application: APP, userId: "u", tags: { a: { b: 1 } } }, /Invalid value/],
  ])("answers %s with status_code 210 and a message", async (_label, path, request, message) => {
    const answer = await post(base, path, { request }, DEVICE_TOKEN);

    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(210);
    expect(String(answer.body.status_message)).toMatch(message);
  });

  const setTags = { request: { application: APP, userId: "u", tags: { a: 1 } } };
  const createFilter = (auth?: string) => ({ request: { application: APP, name: "f", filter_expression: "T(\"a\", EQ, 1)", ...(auth ? { auth } : {}) } });
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
      application: APP, auth: SERVER_TOKEN, create_missing_tags: true,
      devices: [{ user_id: "bulk", list_operator: "append", tags: { Audiences: ["x"] } }],
    });
    const poll = await fetch(`${base}/api/v2/audience/bulkSetTags/${String(accepted.body.request_id)}`, { headers: { authorization: `Token ${SERVER_TOKEN}` } });

    expect(accepted).toEqual({ status: 200, body: { request_id: expect.any(String), status: "Pending" } });
    expect(await poll.json()).toEqual({ request_id: accepted.body.request_id, status: "Completed" });
    expect(sandbox.tagsOfUser("bulk")).toEqual({ Audiences: ["x"] });
  });

  it("refuses a second filter of the same name and a delete of an unknown one", async () => {
    const filter = { application: APP, auth: SERVER_TOKEN, name: "seg", filter_expression: "T(\"a\", EQ, 1)" };

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
      application: APP, auth: SERVER_TOKEN, devices: [{ user_id: "bulk-typed", list_operator: "set", tags: { Level: "three" } }],
    });

    expect(refused).toEqual({ status: 400, body: { error: { message: 'devices[0]: Tag "Level" is of type Integer: value "three" refused' } } });
  });

  it("takes postEvent only for events created in the Control Panel, case-sensitively", async () => {
    const postEvent = (event: string) => post(base, "/json/1.3/postEvent", { request: { application: APP, userId: "u", hwid: "h", event, attributes: {} } }, DEVICE_TOKEN);

    expect((await postEvent("Known")).body.status_code).toBe(200);
    expect((await postEvent("known")).body).toEqual({ status_code: 210, status_message: 'Event not found: "known"', response: null });
    sandbox.createEvents("known");
    expect((await postEvent("known")).body.status_code).toBe(200);
  });

  it("keeps the device on unregisterDevice and only drops its push token", async () => {
    await post(base, "/json/1.3/registerDevice", { request: { application: APP, hwid: "kept", push_token: "t", device_type: 3 } }, DEVICE_TOKEN);

    await post(base, "/json/1.3/unregisterDevice", { request: { application: APP, hwid: "kept" } }, DEVICE_TOKEN);

    expect(sandbox.devices.get("kept")).toEqual({ application: APP, hwid: "kept", device_type: 3 });
  });

  it("deletes a user with its tags and devices on deleteUser (v2 device API, Device token, unwrapped body)", async () => {
    await post(base, "/json/1.3/registerDevice", { request: { application: APP, hwid: "gone-1", push_token: "t1", device_type: 1, userId: "leaver" } }, DEVICE_TOKEN);
    await post(base, "/json/1.3/registerDevice", { request: { application: APP, hwid: "stays", push_token: "t2", device_type: 1, userId: "stayer" } }, DEVICE_TOKEN);
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
    const filter = (name: string, application?: string) => ({ request: { auth: SERVER_TOKEN, name, filter_expression: "T(\"a\", EQ, 1)", ...(application ? { application } : {}) } });

    expect((await post(base, "/json/1.3/createFilter", filter("without-app"))).body.status_code).toBe(200);
    expect((await post(base, "/json/1.3/createFilter", filter("with-app", APP))).body.status_code).toBe(200);
    expect((await post(base, "/json/1.3/createFilter", filter("other-app", "OTHER-APP"))).body.status_message).toBe("Application not found");
  });
});
