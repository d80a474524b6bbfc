import { describe, expect, it } from "vitest";
import { LiveRecorder, RECORDS_KEPT, parseBodyText, userIdsIn, type LiveRecord, type LiveRecordBody } from "../../../../infra/local/live/recorder.js";

const request = (correlationId: string, body: unknown): LiveRecordBody => ({
  kind: "request",
  correlationId,
  method: "POST",
  route: "/braze/currents",
  status: 200,
  durationMs: 3,
  eventCount: 1,
  headers: { authorization: "Bearer dev-braze-token" },
  body,
});

describe("the live view's record stream", () => {
  it("redacts each record once, numbers it, and names the user ids its bodies carry", () => {
    const recorder = new LiveRecorder();
    const seen: LiveRecord[] = [];
    recorder.subscribe((record) => seen.push(record));

    recorder.add(request("c-1", { events: [{ user: { external_user_id: "user-1" }, properties: { api_key: "k-1" } }], account_settings: { apiToken: "t" } }));

    expect(seen).toEqual([
      expect.objectContaining({
        seq: 1,
        correlationId: "c-1",
        headers: { authorization: "[REDACTED]" },
        body: { events: [{ user: { external_user_id: "user-1" }, properties: { api_key: "[REDACTED]" } }], account_settings: { apiToken: "[REDACTED]" } },
        userIds: ["user-1"],
      }),
    ]);
    expect(recorder.snapshot()).toEqual(seen);
  });

  it("builds a record only when someone looks, and keeps the newest ones", () => {
    const recorder = new LiveRecorder();
    let built = 0;
    for (let n = 0; n < RECORDS_KEPT + 5; n++) {
      recorder.add(() => {
        built++;
        return request(`c-${n}`, {});
      });
    }
    expect(built).toBe(0);

    const records = recorder.snapshot();
    expect(built).toBe(RECORDS_KEPT);
    expect(records).toHaveLength(RECORDS_KEPT);
    expect(records[0]).toMatchObject({ seq: 6, correlationId: "c-5" });
    recorder.snapshot();
    expect(built).toBe(RECORDS_KEPT);
  });

  it("finds user ids under the names the sources and partners use", () => {
    const ids = userIdsIn({
      braze: { user_id: "u-1", external_user_id: "e-1" },
      mparticle: [{ user_identities: { customer_id: "c-1" }, mpid: 42 }],
      firehose: {
        user_identities: [
          { type: "customer", encoding: "raw", value: "c-3" },
          { type: "email", encoding: "raw", value: "not-an-id@x" },
        ],
      },
      pushwoosh: { request: { userId: "p-1" } },
      mixpanel: [{ properties: { distinct_id: "d-1", $user_id: "d-2" } }],
      work: { customerId: "c-2" },
    });
    expect([...ids].sort()).toEqual(["42", "c-1", "c-2", "c-3", "d-1", "d-2", "e-1", "p-1", "u-1"]);
  });

  it("names a 64-bit mpid sent as a number literal once, with the digits that were sent, and the customer id of an identity entry", () => {
    const recorder = new LiveRecorder();
    // An mParticle batch: the mpid and a customer id, the mpid in the batch and in an identity change.
    recorder.add(
      request(
        "c-64",
        parseBodyText(
          '{"mpid":-8433569830139454812,"user_identities":[{"identity_type":"customer_id","identity":"cust-9"}],"events":[{"data":{"mpid":-8433569830139454812}}]}',
        ),
      ),
    );

    const [record] = recorder.snapshot();

    expect(record?.userIds).toEqual(["-8433569830139454812", "cust-9"]);
    expect(record).toMatchObject({ body: { mpid: -8433569830139454812n } });
  });
});
