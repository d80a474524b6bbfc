import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../../../shared/destinations/mixpanel/client.js";
import { importRequests } from "../../../../shared/destinations/mixpanel/map.js";
import type { MixpanelEvent } from "../../../../shared/destinations/mixpanel/schema.js";
import { createMixpanelSandbox, type MixpanelSandbox } from "../../../../infra/local/sandboxes/mixpanel.js";
import { TEST_SECRETS, basic } from "../../../support/secrets.js";
import { defined } from "../../../support/defined.js";

const event = (insertId: string): MixpanelEvent => ({ event: "Canvas Entry", properties: { distinct_id: "alice", time: 1767225600000, $insert_id: insertId } });

describe("Mixpanel client against the sandbox", () => {
  let sandbox: MixpanelSandbox;
  let baseUrl: string;
  const request = (...insertIds: string[]) =>
    defined(
      importRequests(
        insertIds.map((id, index) => ({ key: `k${index + 1}`, item: event(id) })),
        TEST_SECRETS.mixpanel,
        baseUrl,
      )[0],
    );

  beforeAll(async () => {
    sandbox = createMixpanelSandbox({ mixpanel: TEST_SECRETS.mixpanel });
    baseUrl = await sandbox.start(0);
  });
  afterEach(() => {
    sandbox.clearFaults();
    sandbox.calls.length = 0;
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it("sends the gzip POST /import?strict=1 as documented; every event delivered on 200", async () => {
    const sent = request("id-1", "id-2");

    const outcomes = await send(sent);

    expect(outcomes).toEqual(
      new Map([
        ["k1", { kind: "delivered" }],
        ["k2", { kind: "delivered" }],
      ]),
    );
    const [call] = sandbox.calls;
    expect(call).toMatchObject({ method: "POST", path: "/import", status: 200 });
    expect(call?.query.toString()).toBe("strict=1");
    expect(call?.headers).toMatchObject({ authorization: basic("test-project-token", ""), "content-encoding": "gzip", "content-type": "application/json" });
    expect(call?.json).toEqual(JSON.parse(gunzipSync(sent.http.body as Buffer).toString("utf8")));
  });

  it("fails only the events a strict-mode 400 names, by index, permanently", async () => {
    const outcomes = await send(request("id-3", "x".repeat(40), "id-4"));

    expect(outcomes.get("k1")).toEqual({ kind: "delivered" });
    expect(outcomes.get("k2")).toMatchObject({ kind: "failed", error: { errorClass: "permanent", status: 400, field: "properties.$insert_id" } });
    expect(outcomes.get("k3")).toEqual({ kind: "delivered" });
  });

  it("finds a failed record by its documented insert_id key when it carries no index", async () => {
    const body = {
      code: 400,
      error: "some data points in the request failed validation",
      status: "Bad Request",
      num_records_imported: 1,
      failed_records: [{ insert_id: "id-8", field: "properties.time", message: "'properties.time' is invalid" }],
    };
    sandbox.injectFaults({ kind: "status", status: 400, body });

    const outcomes = await send(request("id-7", "id-8"));

    expect(outcomes.get("k1")).toEqual({ kind: "delivered" });
    expect(outcomes.get("k2")).toMatchObject({
      kind: "failed",
      error: { errorClass: "permanent", field: "properties.time", partnerMessage: "'properties.time' is invalid" },
    });
  });

  it("fails the first and the last event by their indexes, and says why when Mixpanel gives no message", async () => {
    sandbox.injectFaults({
      kind: "status",
      status: 400,
      body: {
        code: 400,
        error: "some data points in the request failed validation",
        failed_records: [
          { index: 0, field: "event" },
          { index: 2, message: "'properties.time' is invalid" },
        ],
      },
    });

    const outcomes = await send(request("id-10", "id-11", "id-12"));

    expect(outcomes.get("k1")).toEqual({
      kind: "failed",
      error: expect.objectContaining({
        errorClass: "permanent",
        status: 400,
        field: "event",
        partnerMessage: "rejected by strict-mode validation",
        message: "mixpanel rejected the event: rejected by strict-mode validation",
      }),
    });
    expect(outcomes.get("k2")).toEqual({ kind: "delivered" });
    expect(outcomes.get("k3")).toMatchObject({ kind: "failed", error: { message: "mixpanel rejected the event: 'properties.time' is invalid" } });
  });

  // A 400 that names no event of the request (or none at all) is the request's own failure: never resent.
  it.each([
    ["an index past the last event", { failed_records: [{ index: 2, message: "invalid" }] }],
    ["a negative index", { failed_records: [{ index: -1, message: "invalid" }] }],
    ["an insert_id the request does not carry, without index", { failed_records: [{ insert_id: "id-99", message: "invalid" }] }],
    ["an entry with neither index nor insert_id", { failed_records: [{ message: "invalid" }] }],
    ["no failed_records", { code: 400, error: "request body is not valid JSON or NDJSON", status: "Bad Request" }],
    ["a body that is not JSON", "Bad Request"],
  ])("fails every event permanently on a 400 with %s", async (_label, body) => {
    sandbox.injectFaults({ kind: "status", status: 400, body });

    const outcomes = await send(request("id-13", "id-14"));

    expect([...outcomes.keys()]).toEqual(["k1", "k2"]);
    for (const outcome of outcomes.values()) expect(outcome).toMatchObject({ kind: "failed", error: { errorClass: "permanent", status: 400 } });
  });

  it("gives every event a retryable failure when the connection drops", async () => {
    sandbox.injectFaults({ kind: "reset" });

    const outcomes = await send(request("id-15", "id-16"));

    expect([...outcomes.keys()]).toEqual(["k1", "k2"]);
    for (const outcome of outcomes.values()) expect(outcome).toMatchObject({ kind: "failed", error: { errorClass: "retryable" } });
  });

  it("gives every event the request's failure otherwise, never a throw", async () => {
    sandbox.injectFaults({ kind: "status", status: 503 });

    const outcomes = await send(request("id-5", "id-6"));

    for (const outcome of outcomes.values()) expect(outcome).toMatchObject({ kind: "failed", error: { errorClass: "retryable", status: 503 } });
    expect(outcomes.size).toBe(2);
  });
});
