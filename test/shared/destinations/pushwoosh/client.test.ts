import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UNKNOWN_EVENT_REASON, classifyPushwooshAnswer, send } from "../../../../shared/destinations/pushwoosh/client.js";
import { bulkStatusRequest, toPushwooshRequest } from "../../../../shared/destinations/pushwoosh/map.js";
import type { PushwooshCredentials } from "../../../../shared/destinations/pushwoosh/credentials.js";
import type { PushwooshCall } from "../../../../shared/destinations/pushwoosh/schema.js";
import { AuthError, PermanentError, RetryableError } from "../../../../shared/errors.js";
import { createPushwooshSandbox, type PushwooshSandbox } from "../../../../infra/local/sandboxes/pushwoosh.js";
import type { Fault } from "../../../../infra/local/sandboxes/sandbox.js";
import { PUSHWOOSH_CREDENTIALS } from "../../sources/mparticle/factories.js";

const postEvent: PushwooshCall = {
  method: "postEvent",
  userId: "u1",
  hwid: "device-1",
  event: "Purchase",
  attributes: { amount: 9.5 },
  timestampUTC: 1714592744,
  timestampCurrent: 1714563944,
};

/** One call through the client's contract: its request built by map.ts, one outcome back (a failure thrown here, for the assertions). */
async function sendPushwooshCall(call: PushwooshCall, credentials: PushwooshCredentials) {
  const baseUrl = process.env.PUSHWOOSH_API_URL ?? "";
  const outcomes = await send({
    method: call.method,
    http: toPushwooshRequest(call, credentials, baseUrl),
    keys: ["item-1"],
    statusRequest: call.method === "bulkSetTags" ? (requestId) => bulkStatusRequest(requestId, credentials, baseUrl) : undefined,
    statusPollIntervalMs: 1,
  });
  expect([...outcomes.keys()]).toEqual(["item-1"]);
  const outcome = outcomes.get("item-1");
  if (outcome?.kind === "failed") throw outcome.error;
  return outcome;
}

describe("Pushwoosh client against the sandbox", () => {
  let sandbox: PushwooshSandbox;
  const statusPolls = () => sandbox.calls.filter((call) => call.method === "GET");
  /** The next status polls get these answers in Pushwoosh's place; the bulkSetTags POST itself still reaches the sandbox. */
  const answerStatusPolls = (...faults: Fault[]) => {
    sandbox.setFaultRate(0, [], { filter: (request) => request.method === "GET" });
    sandbox.injectFaults(...faults);
  };
  const pollAnswer = (status: string): Fault => ({ kind: "status", status: 200, body: { request_id: "00000000-0000-4000-8000-000000000000", status } });
  const bulkSetTags: PushwooshCall = {
    method: "bulkSetTags",
    devices: [{ user_id: "bulk-user", list_operator: "append", tags: { "mParticle Audiences": ["VIP"] } }],
  };

  beforeAll(async () => {
    sandbox = createPushwooshSandbox({ credentials: PUSHWOOSH_CREDENTIALS, events: ["Purchase"] });
    process.env.PUSHWOOSH_API_URL = await sandbox.start(0);
    process.env.PARTNER_TIMEOUT_MS = "500";
  });
  afterEach(() => {
    sandbox.clearFaults();
    sandbox.calls.length = 0;
  });
  afterAll(async () => {
    await sandbox.stop();
    delete process.env.PUSHWOOSH_API_URL;
    delete process.env.PARTNER_TIMEOUT_MS;
  });

  it("sends postEvent exactly as documented and succeeds on status_code 200", async () => {
    expect(await sendPushwooshCall(postEvent, PUSHWOOSH_CREDENTIALS)).toEqual({ kind: "delivered" });

    const [call] = sandbox.callsTo("/json/1.3/postEvent");
    expect(call?.method).toBe("POST");
    expect(call?.headers.authorization).toBe("Token device-api-token");
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(call?.json).toEqual({
      request: {
        application: "ABCDE-12345",
        userId: "u1",
        hwid: "device-1",
        event: "Purchase",
        attributes: { amount: 9.5 },
        timestampUTC: 1714592744,
        timestampCurrent: 1714563944,
      },
    });
    expect(sandbox.events).toContainEqual(expect.objectContaining({ event: "Purchase", userId: "u1" }));
  });

  it("turns status_code 210 into a PermanentError carrying Pushwoosh's message", async () => {
    const call: PushwooshCall = { ...postEvent, event: "an event name that is far too long for Pushwoosh" } as PushwooshCall;

    const error = await sendPushwooshCall(call, PUSHWOOSH_CREDENTIALS).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).partnerMessage).toMatch(/longer than 32/);
    expect((error as PermanentError).message).not.toContain("device-api-token");
  });

  it("turns an event Pushwoosh does not know into a PermanentError saying to create it in Events", async () => {
    const error = await sendPushwooshCall({ ...postEvent, event: "Never Created" } as PushwooshCall, PUSHWOOSH_CREDENTIALS).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).message).toBe("Pushwoosh postEvent answered status_code 210: event not found in Pushwoosh: create it in Events");
    expect(sandbox.events.some((event) => event.event === "Never Created")).toBe(false);
  });

  it("sends deleteUser and counts HTTP 200 as done; a wrong token is an AuthError", async () => {
    expect(await sendPushwooshCall({ method: "deleteUser", userId: "u1" }, PUSHWOOSH_CREDENTIALS)).toEqual({ kind: "delivered" });
    expect(sandbox.callsTo("/api/v2/device-api/deleteUser")[0]?.json).toEqual({ application: "ABCDE-12345", user_id: "u1" });

    const error = await sendPushwooshCall({ method: "deleteUser", userId: "u1" }, { ...PUSHWOOSH_CREDENTIALS, apiToken: "wrong-token" }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AuthError);
  });

  it("turns a wrong token into an AuthError that does not echo the token", async () => {
    const error = await sendPushwooshCall(postEvent, { ...PUSHWOOSH_CREDENTIALS, apiToken: "wrong-token" }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(AuthError);
    expect(JSON.stringify({ message: (error as AuthError).message, partner: (error as AuthError).partnerMessage })).not.toContain("wrong-token");
  });

  it.each([
    ["429 with Retry-After", { kind: "status", status: 429, retryAfterSeconds: 7 } as const],
    ["503", { kind: "status", status: 503 } as const],
    ["a connection reset", { kind: "reset" } as const],
    ["a timeout", { kind: "delay", ms: 1500 } as const],
  ])("treats %s as retryable", async (_label, fault) => {
    sandbox.injectFaults(fault);

    const error = await sendPushwooshCall(postEvent, PUSHWOOSH_CREDENTIALS).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(RetryableError);
    if (fault.kind === "status" && fault.status === 429) expect((error as RetryableError).retryAfterSeconds).toBe(7);
  });

  it("treats HTTP 400 as permanent", async () => {
    sandbox.injectFaults({ kind: "status", status: 400, body: { status_code: 400, status_message: "Malformed request string" } });

    await expect(sendPushwooshCall(postEvent, PUSHWOOSH_CREDENTIALS)).rejects.toBeInstanceOf(PermanentError);
  });

  it("answers a segment that already exists as skipped, not failed", async () => {
    const create: PushwooshCall = { method: "createFilter", name: "mParticle: Dup", tagName: "mParticle Audiences", tagValue: "Dup" };
    await sendPushwooshCall(create, PUSHWOOSH_CREDENTIALS);

    expect(await sendPushwooshCall(create, PUSHWOOSH_CREDENTIALS)).toEqual({ kind: "skipped", reason: "createFilter-already-done" });
  });

  it("sends bulkSetTags to the v2 API and polls its status", async () => {
    const devices = [{ user_id: "bulk-user", list_operator: "append" as const, tags: { "mParticle Audiences": ["VIP"] } }];

    await sendPushwooshCall({ method: "bulkSetTags", devices }, PUSHWOOSH_CREDENTIALS);

    const [post] = sandbox.callsTo("/api/v2/audience/bulkSetTags");
    expect(post?.json).toEqual({ application: "ABCDE-12345", auth: "server-api-token", create_missing_tags: true, devices });
    const poll = sandbox.calls.find((call) => call.method === "GET");
    expect(poll?.path).toMatch(/^\/api\/v2\/audience\/bulkSetTags\/[0-9a-f-]{36}$/);
    expect(poll?.headers.authorization).toBe("Token server-api-token");
    expect(sandbox.tagsOfUser("bulk-user")).toEqual({ "mParticle Audiences": ["VIP"] });
    expect(statusPolls()).toHaveLength(1);
  });

  it("polls a Pending bulkSetTags again, until it is Completed", async () => {
    answerStatusPolls(pollAnswer("Pending"));

    expect(await sendPushwooshCall(bulkSetTags, PUSHWOOSH_CREDENTIALS)).toEqual({ kind: "delivered" });

    expect(statusPolls()).toHaveLength(2);
  });

  it("counts a bulkSetTags still Pending after three polls as delivered: Pushwoosh applies it asynchronously", async () => {
    answerStatusPolls(pollAnswer("Pending"), pollAnswer("Pending"), pollAnswer("Pending"), pollAnswer("Failed"));

    expect(await sendPushwooshCall(bulkSetTags, PUSHWOOSH_CREDENTIALS)).toEqual({ kind: "delivered" });

    expect(statusPolls()).toHaveLength(3);
    expect(sandbox.callsTo("/api/v2/audience/bulkSetTags")).toHaveLength(1);
  });

  it("fails a bulkSetTags whose status poll says it Failed, permanently", async () => {
    answerStatusPolls(pollAnswer("Failed"));

    const error = await sendPushwooshCall(bulkSetTags, PUSHWOOSH_CREDENTIALS).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(PermanentError);
    expect(statusPolls()).toHaveLength(1);
    const polledId = statusPolls()[0]?.path.split("/").pop();
    expect((error as PermanentError).message).toBe(`Pushwoosh bulkSetTags ${polledId} ended Failed`);
  });

  // The request was accepted: sending it again for a status we cannot read could only apply it twice.
  it.each([
    [
      "an HTTP 503, whatever its body says",
      { kind: "status", status: 503, body: { request_id: "00000000-0000-4000-8000-000000000000", status: "Error" } } as const,
    ],
    ["a body without a status", { kind: "status", status: 200, body: { request_id: "00000000-0000-4000-8000-000000000000" } } as const],
    ["a body that is not JSON", { kind: "status", status: 200, body: "<html>" } as const],
    ["a connection reset", { kind: "reset" } as const],
  ])("counts a bulkSetTags whose status poll answers %s as delivered, polling no more", async (_label, fault) => {
    answerStatusPolls(fault);

    expect(await sendPushwooshCall(bulkSetTags, PUSHWOOSH_CREDENTIALS)).toEqual({ kind: "delivered" });

    expect(statusPolls()).toHaveLength(1);
  });

  it("fails a bulkSetTags that was not accepted, without polling", async () => {
    const refused = await sendPushwooshCall(bulkSetTags, { ...PUSHWOOSH_CREDENTIALS, serverApiToken: "wrong-token" }).catch((thrown: unknown) => thrown);
    expect(refused).toBeInstanceOf(AuthError);

    sandbox.injectFaults({ kind: "status", status: 200, body: { status_code: 200, status_message: "OK" } });
    const unreadable = await sendPushwooshCall(bulkSetTags, PUSHWOOSH_CREDENTIALS).catch((thrown: unknown) => thrown);
    expect(unreadable).toBeInstanceOf(RetryableError);
    expect(unreadable).toMatchObject({ message: "Pushwoosh bulkSetTags answered without a request_id", status: 200 });

    expect(statusPolls()).toHaveLength(0);
  });

  it("answers a segment that is already gone as skipped, not failed", async () => {
    expect(await sendPushwooshCall({ method: "deleteFilter", name: "mParticle: Never Created" }, PUSHWOOSH_CREDENTIALS)).toEqual({
      kind: "skipped",
      reason: "deleteFilter-already-done",
    });
  });

  it("retries a segment call Pushwoosh could not process, whatever its message says", async () => {
    sandbox.injectFaults({
      kind: "status",
      status: 500,
      body: { status_code: 500, status_message: "Internal error while checking whether the filter already exists" },
    });
    const create: PushwooshCall = { method: "createFilter", name: "mParticle: Busy", tagName: "mParticle Audiences", tagValue: "Busy" };

    await expect(sendPushwooshCall(create, PUSHWOOSH_CREDENTIALS)).rejects.toBeInstanceOf(RetryableError);
  });
});

describe("classifyPushwooshAnswer: the body's status_code behind an HTTP 200", () => {
  const answered = (body: unknown, status = 200) => ({
    status,
    headers: new Headers(),
    bodyText: typeof body === "string" ? body : JSON.stringify(body),
    latencyMs: 1,
  });

  it.each([
    [200, undefined],
    [401, AuthError],
    [403, AuthError],
    [429, RetryableError],
    [500, RetryableError],
    [503, RetryableError],
    [210, PermanentError],
    [400, PermanentError],
    [499, PermanentError],
  ] as const)("status_code %i", (code, kind) => {
    const error = classifyPushwooshAnswer("setTags", answered({ status_code: code, status_message: "words" }));
    if (kind === undefined) expect(error).toBeUndefined();
    else
      expect(error).toMatchObject({
        constructor: kind,
        status: 200,
        partnerMessage: "words",
        message: expect.stringMatching(/^Pushwoosh setTags answered status_code \d+/),
      });
  });

  it("a 200 without a status_code is retryable; an HTTP error is classified first", () => {
    expect(classifyPushwooshAnswer("setTags", answered("<html>"))).toMatchObject({
      constructor: RetryableError,
      message: "Pushwoosh setTags answered HTTP 200 without a status_code",
      status: 200,
    });
    expect(classifyPushwooshAnswer("setTags", answered({ status_code: 200 }, 401))).toBeInstanceOf(AuthError);
  });

  it("names an unknown event on postEvent only", () => {
    const unknown = answered({ status_code: 210, status_message: "Event not found" });
    expect(classifyPushwooshAnswer("postEvent", unknown)?.message).toContain(UNKNOWN_EVENT_REASON);
    expect(classifyPushwooshAnswer("setTags", unknown)?.message).toBe("Pushwoosh setTags answered status_code 210 (argument error)");
  });

  it("reads an unknown event only from the argument error: another code keeps its own class", () => {
    const busy = classifyPushwooshAnswer("postEvent", answered({ status_code: 503, status_message: "event not found: event store unavailable" }));

    expect(busy).toBeInstanceOf(RetryableError);
    expect(busy?.message).toBe("Pushwoosh postEvent answered status_code 503");
  });
});
