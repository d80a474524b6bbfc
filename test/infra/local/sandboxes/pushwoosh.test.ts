import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPushwooshSandbox, type PushwooshSandbox } from "../../../../infra/local/sandboxes/pushwoosh.js";

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
    sandbox = createPushwooshSandbox();
    base = await sandbox.start(0);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it("keeps list tags per user: a plain array replaces, append and remove edit, null clears", async () => {
    const setTags = (tags: unknown) => post(base, "/json/1.3/setTags", { request: { application: "APP-1", userId: "u", tags } }, "t");

    await setTags({ Audiences: ["a", "b"], City: "Boca" });
    await setTags({ Audiences: { operation: "append", value: ["c", "a"] } });
    await setTags({ Audiences: { operation: "remove", value: ["b"] }, City: null });

    expect(sandbox.tagsOfUser("u")).toEqual({ Audiences: ["a", "c"] });
  });

  it.each([
    ["no Authorization header", "/json/1.3/setTags", { request: { application: "APP-1", userId: "u", tags: { a: 1 } } }, undefined, 401],
    ["no auth in a server method", "/json/1.3/createFilter", { request: { application: "APP-1", name: "f", filter_expression: "T(\"a\", EQ, 1)" } }, undefined, 401],
    ["a body without the request wrapper", "/json/1.3/setTags", { application: "APP-1", userId: "u", tags: {} }, "t", 400],
    ["a body that is not JSON", "/json/1.3/setTags", "{not json", "t", 400],
  ])("answers %s with HTTP %s", async (_label, path, body, token, status) => {
    const answer = await post(base, path, body, token);

    expect(answer.status).toBe(status);
  });

  it.each([
    ["postEvent without attributes", "/json/1.3/postEvent", { application: "APP-1", userId: "u", event: "E" }, /attributes/],
    ["registerDevice with an unknown device_type", "/json/1.3/registerDevice", { application: "APP-1", hwid: "h", push_token: "p", device_type: 99 }, /device_type/],
    ["setTags without a user or device", "/json/1.3/setTags", { application: "APP-1", tags: { a: 1 } }, /userId or hwid/],
    ["setTags with an object value", "/json/1.3/setTags", { application: "APP-1", userId: "u", tags: { a: { b: 1 } } }, /Invalid value/],
  ])("answers %s with status_code 210 and a message", async (_label, path, request, message) => {
    const answer = await post(base, path, { request }, "t");

    expect(answer.status).toBe(200);
    expect(answer.body.status_code).toBe(210);
    expect(String(answer.body.status_message)).toMatch(message);
  });

  it("only accepts the configured credentials when constructed with them", async () => {
    const strict = createPushwooshSandbox({ credentials: { apiToken: "right" } });
    const strictBase = await strict.start(0);
    const request = { request: { application: "APP-1", hwid: "h" } };

    const wrong = await post(strictBase, "/json/1.3/unregisterDevice", request, "wrong");
    const right = await post(strictBase, "/json/1.3/unregisterDevice", request, "right");
    await strict.stop();

    expect(wrong.status).toBe(401);
    expect(right.body).toEqual({ status_code: 200, status_message: "OK", response: null });
  });

  it("answers bulkSetTags with a pending request id whose status can be polled", async () => {
    const accepted = await post(base, "/api/v2/audience/bulkSetTags", {
      application: "APP-1", auth: "s", create_missing_tags: true,
      devices: [{ user_id: "bulk", list_operator: "append", tags: { Audiences: ["x"] } }],
    });
    const poll = await fetch(`${base}/api/v2/audience/bulkSetTags/${String(accepted.body.request_id)}`, { headers: { authorization: "Token s" } });

    expect(accepted).toEqual({ status: 200, body: { request_id: expect.any(String), status: "Pending" } });
    expect(await poll.json()).toEqual({ request_id: accepted.body.request_id, status: "Completed" });
    expect(sandbox.tagsOfUser("bulk")).toEqual({ Audiences: ["x"] });
  });

  it("refuses a second filter of the same name and a delete of an unknown one", async () => {
    const filter = { application: "APP-1", auth: "s", name: "seg", filter_expression: "T(\"a\", EQ, 1)" };

    const first = await post(base, "/json/1.3/createFilter", { request: filter });
    const second = await post(base, "/json/1.3/createFilter", { request: filter });
    const deleted = await post(base, "/json/1.3/deleteFilter", { request: { auth: "s", name: "seg" } });
    const deletedAgain = await post(base, "/json/1.3/deleteFilter", { request: { auth: "s", name: "seg" } });

    expect(first.body).toEqual({ status_code: 200, status_message: "OK", response: { name: "seg" } });
    expect(second.body.status_message).toMatch(/already exists/);
    expect(deleted.body.status_code).toBe(200);
    expect(deletedAgain.body.status_message).toMatch(/not found/);
    expect(sandbox.filters.size).toBe(0);
  });
});
