import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { describe, expect, it, vi } from "vitest";
import { openCredentials } from "../../../shared/destinations/pushwoosh/credentials.js";
import { pushwooshPayloadSchema, type PushwooshCall } from "../../../shared/destinations/pushwoosh/schema.js";
import { logger } from "../../../shared/observability.js";
import { mparticleToPushwoosh } from "../../../shared/flows/mparticleToPushwoosh.js";
import { pushwooshCalls } from "../../../shared/flows/mparticleToPushwoosh/calls.js";
import { contextSchema } from "../../../shared/flows/mparticleToPushwoosh/context.js";
import { ERASURE_REASONS, erasureTargets, pushwooshRoute } from "../../../shared/flows/mparticleToPushwoosh/route.js";
import { PUSHWOOSH_SETTING_DEFAULTS, type PushwooshMappingSettings } from "../../../shared/flows/mparticleToPushwoosh/settings.js";
import {
  TAG_SKIPPED_REASON,
  convertToTagType,
  tagValue,
  toPushwooshDate,
  toTypedValue,
  toTypedValues,
} from "../../../shared/flows/mparticleToPushwoosh/tags.js";
import { deviceTypeFor, hwidFromToken, userIdOf } from "../../../shared/flows/mparticleToPushwoosh/users.js";
import { packWorkBatch } from "../../../shared/queue/enqueue.js";
import type { WorkBatch } from "../../../shared/queue/workItem.js";
import {
  accept,
  normaliseAudienceMembership,
  normaliseAudienceSubscription,
  normaliseDsrProcessing,
  normaliseEventProcessing,
} from "../../../shared/sources/mparticle/accept.js";
import {
  mparticleEventSchema,
  type MparticleEvent,
  type MparticleEventOf,
  type MparticleUser,
  type NormalisedBatch,
} from "../../../shared/sources/mparticle/model.js";
import {
  audienceMembershipChangeRequestSchema,
  audienceSubscriptionRequestSchema,
  dsrProcessingRequestSchema,
  eventProcessingRequestSchema,
  type DsrProcessingRequest,
} from "../../../shared/sources/mparticle/schema.js";
import {
  CUSTOMER_ID,
  PUSHWOOSH_CREDENTIALS,
  attributeChange,
  configured,
  customEvent,
  fixture,
  heartbeat,
  iosBatch,
  membershipChange,
  pushSubscription,
  screenView,
  stateTransition,
} from "../sources/mparticle/factories.js";

const SETTINGS: PushwooshMappingSettings = {
  screenViewEvent: PUSHWOOSH_SETTING_DEFAULTS.PUSHWOOSH_SCREEN_VIEW_EVENT,
  audienceTag: "mParticle Audiences",
  userId: "customer",
  tagTypes: {},
};

/** The ingest side: what this flow's route enqueues for a normalised batch. */
function work(batch: NormalisedBatch, settings = SETTINGS): WorkBatch[] {
  return accept([batch], { correlationId: "corr-1", receivedAt: "2024-05-01T19:05:44.000Z", routes: [pushwooshRoute("inbound-token", settings)] }).workItems;
}

/** The worker side: the calls the flow makes of enqueued work. */
function calls(items: WorkBatch[], settings = SETTINGS): PushwooshCall[] {
  return items.flatMap((item) => {
    const events = item.events.map(({ id, event }) => ({ id, event: mparticleEventSchema.parse(event) }));
    const context = contextSchema.parse(item.context);
    const mapped = pushwooshCalls(events, context, settings).map((call) => call.item);
    // What the destination is given: each call with the sealed credentials.
    for (const call of mapped) expect(pushwooshPayloadSchema.safeParse({ credentials: context.credentials, call }).success).toBe(true);
    return mapped;
  });
}

const IDFV = "97b826c2-ab80-4876-a184-db36cc39b1ee";
/** The Firehose samples' `user_attributes` as Pushwoosh tags: mParticle's reserved attributes, all strings. */
const SAMPLE_TAGS = { $City: "Boca Raton", $FirstName: "Brian", $Country: "USA", $State: "FL", $Zip: "33431", $Gender: "M", $LastName: "O'Brian" };
/** A batch whose user has no attributes, for tests about other calls. */
const NO_ATTRIBUTES = { user_attributes: {} };

const events = (request: Record<string, unknown>, settings = SETTINGS) => work(normaliseEventProcessing(eventProcessingRequestSchema.parse(request)), settings);

describe("Firehose events → Pushwoosh", () => {
  it("maps the Android sample: the custom event by mpid (the customer id is hashed), the GCM token as a device", () => {
    const sample = configured(fixture("EventProcessingRequest_android.json"));

    const result = calls(events(sample));

    expect(result).toEqual([
      // The sample's attributes, sent although no user_attribute_change names them; $Zip stays a string.
      { method: "setTags", userId: "12345", tags: SAMPLE_TAGS },
      {
        method: "postEvent",
        userId: "12345",
        hwid: "a0504a8cfa15ce2c",
        event: "customEvent",
        attributes: { event_attribute: "value" },
        timestampUTC: 1714592744,
        timestampCurrent: 1714592744 - 5 * 3600,
      },
      { method: "registerDevice", hwid: "a0504a8cfa15ce2c", push_token: "1234567890", device_type: 3, userId: "12345", timezone: -18000, language: "en" },
    ]);
  });

  it("types every attribute, clears removed ones and sends one setTags per batch, first", () => {
    const request = iosBatch(
      [
        attributeChange({ Age: "", Score: "", Newsletter: "", Birthday: "", Zip: "", Favorites: "" }),
        customEvent("Purchase"),
        attributeChange({ Plan: "" }, { Churned: "yes" }),
      ],
      {
        user_attributes: { Age: "42", Score: "9.75", Newsletter: "true", Birthday: "1990-04-01T08:30:00Z", Zip: "02134", Plan: "gold", Ignored: "unchanged" },
        user_attribute_lists: { Favorites: ["jazz", "blues"] },
      },
    );

    const [setTags, ...rest] = calls(events(request));

    expect(setTags).toEqual({
      method: "setTags",
      userId: CUSTOMER_ID,
      tags: {
        Age: 42,
        Score: 9.75,
        Newsletter: true,
        Birthday: "1990-04-01 08:30",
        Zip: "02134",
        Favorites: ["jazz", "blues"],
        Plan: "gold",
        Churned: null,
        Ignored: "unchanged",
      },
    });
    expect(rest.map((call) => call.method)).toEqual(["postEvent"]);
  });

  it("posts screen views under the configured name with screen_name, and attributes {} when empty", () => {
    const request = iosBatch([screenView("Checkout", { step: "2" }), customEvent("Opened")], NO_ATTRIBUTES);

    const [screen, opened] = calls(events(request));

    expect(screen).toMatchObject({
      method: "postEvent",
      userId: CUSTOMER_ID,
      hwid: IDFV,
      event: "PW_ScreenOpen",
      attributes: { step: 2, screen_name: "Checkout" },
    });
    expect(opened).toMatchObject({ event: "Opened", attributes: {} });
  });

  it("registers a push subscription on the device's IDFV and unregisters on unsubscribe; the batch's last word wins", () => {
    const subscribe = iosBatch([pushSubscription("subscribe", "apns-token-1")], NO_ATTRIBUTES);
    const unsubscribe = iosBatch([pushSubscription("subscribe", "apns-token-1"), pushSubscription("unsubscribe", "apns-token-1")], NO_ATTRIBUTES);

    expect(calls(events(subscribe))).toEqual([
      { method: "registerDevice", hwid: IDFV, push_token: "apns-token-1", device_type: 1, userId: CUSTOMER_ID, timezone: -28800, language: "en" },
    ]);
    expect(calls(events(unsubscribe))).toEqual([{ method: "unregisterDevice", hwid: IDFV }]);
  });

  it("forwards no application_state_transition: mParticle has no uninstall state", () => {
    expect(events(iosBatch([stateTransition("uninstall"), stateTransition("background")], NO_ATTRIBUTES))).toEqual([]);
  });

  it("unregisters the batch's device on an uninstall event (the Events API JSON has one), and does nothing without a device", () => {
    const user = { identities: [], attributes: {}, attributeLists: {}, device: { platform: "ios" as const, deviceId: IDFV } };
    const uninstall = { id: "u-1", event: { type: "uninstall" as const, id: "u-1", timestampMs: 1 } };

    expect(pushwooshCalls([uninstall], { serverApi: false, user }, SETTINGS).map((call) => call.item)).toEqual([{ method: "unregisterDevice", hwid: IDFV }]);
    expect(pushwooshCalls([uninstall], { serverApi: false, user: { ...user, device: { platform: "other" } } }, SETTINGS)).toEqual([]);
  });

  it("sends the hwid of a device registered in the same batch with its events", () => {
    const web = { runtime_environment: { type: "mobileweb", http_header_user_agent: "Mozilla/5.0 Chrome/124.0", identities: [] }, ...NO_ATTRIBUTES };

    const [posted, registered] = calls(events(iosBatch([customEvent("Opened"), pushSubscription("subscribe", "web-token-2")], web)));

    expect(registered).toMatchObject({ method: "registerDevice", hwid: hwidFromToken("web-token-2"), device_type: 11 });
    expect(posted).toMatchObject({ method: "postEvent", event: "Opened", hwid: hwidFromToken("web-token-2") });
    // With no device known at all, the event goes by user id only.
    const [alone] = calls(events(iosBatch([customEvent("Opened")], { ...web, runtime_environment: { type: "unknown", identities: [] } })));
    expect(alone).toMatchObject({ method: "postEvent", userId: CUSTOMER_ID });
    expect(alone).not.toHaveProperty("hwid");
  });

  it("hashes the token into the hwid of a web device and picks the browser's device type", () => {
    const request = iosBatch([pushSubscription("unsubscribe", "web-token")], {
      runtime_environment: { type: "mobileweb", http_header_user_agent: "Mozilla/5.0 Firefox/125.0", identities: [] },
      ...NO_ATTRIBUTES,
    });
    const subscribe = iosBatch([pushSubscription("subscribe", "web-token")], {
      runtime_environment: { type: "mobileweb", http_header_user_agent: "Mozilla/5.0 Firefox/125.0", identities: [] },
      ...NO_ATTRIBUTES,
    });

    const [unsubscribe] = calls(events(request));
    const [registered] = calls(events(subscribe));

    expect(unsubscribe).toEqual({ method: "unregisterDevice", hwid: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(registered).toMatchObject({ method: "registerDevice", hwid: unsubscribe && "hwid" in unsubscribe ? unsubscribe.hwid : "", device_type: 12 });
  });

  it("sends the user's existing attributes from a batch without user_attribute_change, typed per tag", () => {
    const request = iosBatch([customEvent("Opened")], {
      user_attributes: { $Zip: "02134", $Mobile: "15551234567", $Age: "34", $City: "Boca Raton", Level: "7", Vip: "true" },
      user_attribute_lists: { Genres: ["jazz"] },
    });

    const [setTags, posted] = calls(events(request));

    expect(setTags).toEqual({
      method: "setTags",
      userId: CUSTOMER_ID,
      tags: { $Zip: "02134", $Mobile: "15551234567", $Age: 34, $City: "Boca Raton", Level: 7, Vip: true, Genres: ["jazz"] },
    });
    expect(posted).toMatchObject({ method: "postEvent", event: "Opened" });
  });

  it("keeps a reserved tag's type whatever the value: $Zip is a string for 33431 and 02134 alike", () => {
    const zipOf = (zip: string) => calls(events(iosBatch([customEvent("E")], { user_attributes: { $Zip: zip } })))[0];

    expect(zipOf("33431")).toMatchObject({ method: "setTags", tags: { $Zip: "33431" } });
    expect(zipOf("02134")).toMatchObject({ method: "setTags", tags: { $Zip: "02134" } });
  });

  it("converts to the types PUSHWOOSH_TAG_TYPES pins, and skips a value that does not convert instead of flipping its type", () => {
    const pinned: PushwooshMappingSettings = {
      ...SETTINGS,
      tagTypes: { Score: "decimal", Code: "string", Tier: "integer", Joined: "date", Opt: "boolean", Labels: "list", $Zip: "integer" },
    };
    const request = iosBatch([customEvent("E")], {
      user_attributes: { Score: "10", Code: "42", Tier: "2.5", Joined: "2024-05-01", Opt: "FALSE", Labels: "solo", $Zip: "33431", $Age: "thirty" },
      user_attribute_lists: { Opt2: ["x"] },
    });

    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    const [setTags] = calls(events(request, pinned), pinned);
    const skipped = warn.mock.calls.filter(([message]) => message === "tag value skipped").map(([, details]) => details);
    warn.mockRestore();

    expect(skipped).toEqual([
      { tag: "Tier", type: "integer", reason: TAG_SKIPPED_REASON },
      { tag: "$Age", type: "integer", reason: TAG_SKIPPED_REASON },
    ]);
    // Tier ("2.5" is no integer) and $Age ("thirty" is no integer) are left out; the setting wins over the reserved table.
    expect(setTags).toEqual({
      method: "setTags",
      userId: CUSTOMER_ID,
      tags: { Score: 10, Code: "42", Joined: "2024-05-01 00:00", Opt: false, Labels: ["solo"], $Zip: 33431, Opt2: ["x"] },
    });
  });

  it("clears a removed attribute with null even though the batch no longer carries it", () => {
    const [setTags] = calls(events(iosBatch([attributeChange({}, { Gone: "x" })], NO_ATTRIBUTES)));

    expect(setTags).toEqual({ method: "setTags", userId: CUSTOMER_ID, tags: { Gone: null } });
  });

  it("uses the mpid when configured to, even with a raw customer id", () => {
    const request = iosBatch([customEvent("E")]);

    const mpid = { ...SETTINGS, userId: "mpid" as const };

    expect(calls(events(request, mpid), mpid)[0]).toMatchObject({ userId: "12345" });
  });

  it("derives work item ids from mParticle ids, so a redelivered request yields the same items", () => {
    const request = iosBatch([customEvent("E"), attributeChange({ A: "1" })], { user_attributes: { A: "1" } });
    const ids = () => events(request).flatMap((batch) => packWorkBatch(batch).messages.map((message) => message.workItemId));

    expect(ids()).toHaveLength(1);
    expect(ids()).toEqual(ids());
  });

  it("seals the account's credentials into the work item", () => {
    const [item] = events(iosBatch([customEvent("E")]));

    const context = contextSchema.parse(item?.context);

    expect(openCredentials(context.credentials, "inbound-token")).toEqual(PUSHWOOSH_CREDENTIALS);
    expect(context.serverApi).toBe(true);
    expect(JSON.stringify(item)).not.toContain(PUSHWOOSH_CREDENTIALS.apiToken);
  });

  it("builds nothing for a heartbeat, even without Pushwoosh settings", () => {
    expect(events(heartbeat())).toEqual([]);
    expect(events({ ...heartbeat(), account: { account_id: 1, account_settings: {} } })).toEqual([]);
  });

  it("rejects a batch with work but without the application code, naming the setting, for parking", () => {
    const batch = normaliseEventProcessing(eventProcessingRequestSchema.parse(fixture("EventProcessingRequest_ios.json")));

    const work = accept([batch], { correlationId: "corr-1", receivedAt: "2024-05-01T19:05:44.000Z", routes: [pushwooshRoute("inbound-token", SETTINGS)] });

    expect(work.workItems).toEqual([]);
    expect(work.rejected.map((rejected) => rejected.error.message)).toEqual(["account.account_settings.applicationCode is required"]);
  });
});

describe("erasure requests → Pushwoosh", () => {
  const dsr = (identities: Record<string, string>, settings: Record<string, string> | null = PUSHWOOSH_CREDENTIALS) =>
    dsrProcessingRequestSchema.parse({
      ...fixture("DsrProcessingRequest.json"),
      ...(settings ? { account: { account_id: 1, account_settings: settings } } : {}),
      subject_identities: Object.fromEntries(Object.entries(identities).map(([type, value]) => [type, { encoding: "raw", value }])),
    });
  const erase = (request: DsrProcessingRequest, settings = SETTINGS) => work(normaliseDsrProcessing(request), settings);

  it("deletes the user by its customer id and unregisters the devices named by their hwids", () => {
    const items = erase(dsr({ controller_customer_id: CUSTOMER_ID, ios_vendor_id: IDFV, android_id: "a0504a8cfa15ce2c", email: "jane@example.com" }));

    expect(calls(items)).toEqual([
      { method: "deleteUser", userId: CUSTOMER_ID },
      { method: "unregisterDevice", hwid: IDFV },
      { method: "unregisterDevice", hwid: "a0504a8cfa15ce2c" },
    ]);
  });

  it.each([
    [
      "the sample (an advertising id and an email)",
      () => erase(dsr({ android_advertising_id: "84aa", email: "jane.doe@example.com" })),
      ERASURE_REASONS.noIdentity,
    ],
    [
      "a customer id while the Pushwoosh user id is the mpid",
      () => erase(dsr({ controller_customer_id: CUSTOMER_ID }), { ...SETTINGS, userId: "mpid" }),
      ERASURE_REASONS.noIdentity,
    ],
    ["no Pushwoosh account settings", () => erase(dsr({ controller_customer_id: CUSTOMER_ID }, null)), ERASURE_REASONS.noSettings],
  ])("enqueues nothing for %s, and logs the reason", (_label, items, reason) => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      expect(items()).toEqual([]);
      expect(warn).toHaveBeenCalledWith(
        "erasure answered, not carried out",
        expect.objectContaining({ reason, subjectRequestId: "1e2c8cf4-f985-4398-b482-a520860d3bf6" }),
      );
    } finally {
      warn.mockRestore();
    }
  });
});

describe("audience subscriptions → Pushwoosh segments", () => {
  const subscription = (action: string, settings?: Record<string, string>) =>
    work(
      normaliseAudienceSubscription(audienceSubscriptionRequestSchema.parse({ ...configured(fixture("AudienceSubscriptionRequest.json"), settings), action })),
    );

  it("creates a segment on the membership tag for add and update, deletes it on remove", () => {
    expect(calls(subscription("add"))).toEqual([
      { method: "createFilter", name: "mParticle: New Users Low Engagement", tagName: "mParticle Audiences", tagValue: "New Users Low Engagement" },
    ]);
    expect(calls(subscription("update"))[0]?.method).toBe("createFilter");
    expect(calls(subscription("remove"))).toEqual([{ method: "deleteFilter", name: "mParticle: New Users Low Engagement" }]);
  });

  it("manages no segment without a server API token", () => {
    expect(subscription("add", { applicationCode: "ABCDE-12345", apiToken: "device-api-token" })).toEqual([]);
  });
});

describe("audience membership → Pushwoosh list tags", () => {
  const membership = (request: Record<string, unknown>) => work(normaliseAudienceMembership(audienceMembershipChangeRequestSchema.parse(request)));

  it("maps the sample: a remove and an append of the list tag, and the audience's attribute updates", () => {
    const result = calls(membership(configured(fixture("AudienceMembershipChangeRequest.json"))));

    expect(result).toEqual([
      { method: "setTags", userId: "12345", tags: { "mParticle Audiences": { operation: "remove", value: ["Example Audience Name 4"] } } },
      {
        method: "setTags",
        userId: "12345",
        tags: { "Some Key": 9999999, Churned: null, "mParticle Audiences": { operation: "append", value: ["Example Audience Name"] } },
      },
    ]);
  });

  it("sends one setTags per user below the bulk threshold", () => {
    const result = calls(membership(membershipChange(3, ["VIP"])));

    expect(result).toEqual(
      ["1000", "1001", "1002"].map((userId) => ({
        method: "setTags",
        userId,
        tags: { "mParticle Audiences": { operation: "append", value: ["VIP"] } },
      })),
    );
  });

  it("switches to bulkSetTags from 50 device entries, in chunks", () => {
    const result = calls(membership(membershipChange(300, ["VIP"], ["Churn risk"])));

    expect(result.map((call) => call.method)).toEqual(["bulkSetTags", "bulkSetTags"]);
    const [first] = result;
    expect(first?.method === "bulkSetTags" && first.devices.slice(0, 2)).toEqual([
      { user_id: "1000", list_operator: "remove", tags: { "mParticle Audiences": ["Churn risk"] } },
      { user_id: "1000", list_operator: "append", tags: { "mParticle Audiences": ["VIP"] } },
    ]);
  });

  it("stays on setTags for many users when there is no server API token", () => {
    const request = configured(membershipChange(60, ["VIP"]), { applicationCode: "ABCDE-12345", apiToken: "device-api-token", serverApiToken: "" });

    expect(new Set(calls(membership(request)).map((call) => call.method))).toEqual(new Set(["setTags"]));
  });

  it("builds nothing for a heartbeat", () => {
    expect(membership({ ...configured(fixture("AudienceMembershipChangeRequest.json")), user_profiles: [] })).toEqual([]);
  });
});

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

describe("hwidFromToken", () => {
  it("is stable and does not reveal the token", () => {
    expect(hwidFromToken("token-1")).toBe(hwidFromToken("token-1"));
    expect(hwidFromToken("token-1")).not.toContain("token");
    expect(hwidFromToken("token-1")).toHaveLength(32);
  });
});

describe("toPushwooshDate", () => {
  it.each([
    ["2024-01-05T03:04Z", "2024-01-05 03:04"],
    ["2024-01-05 03:04:09", "2024-01-05 03:04"],
    ["2024-01-05T03:04:09.999+02:00", "2024-01-05 01:04"],
    ["2024-12-31T23:30:00-01:00", "2025-01-01 00:30"],
    ["0999-01-01", "0999-01-01 00:00"],
    ["9999-01-01", "9999-01-01 00:00"],
    ["2024-02-29", "2024-02-29 00:00"],
  ])("converts %j to %j in UTC", (input, expected) => {
    expect(toPushwooshDate(input)).toBe(expected);
  });

  it.each([
    "2024-02-30T00:00:00Z",
    "2023-02-29T10:00:00+01:00",
    "2024-13-01T00:00:00Z",
    "2024-01-01T25:00:00Z",
    "9999-12-31T23:30:00-01:00",
    "2024-01-01T",
    "x2024-01-01",
    "2024-01-01x",
  ])("is no date for %j", (input) => {
    expect(toPushwooshDate(input)).toBeUndefined();
  });
});

describe("tag typing", () => {
  it.each([
    ["0", 0],
    ["-12", -12],
    ["0.5", 0.5],
    ["-2.25", -2.25],
    ["True", true],
    ["false", false],
    ["9007199254740991", 9007199254740991],
  ])("detects %j as %j", (input, expected) => {
    expect(toTypedValue(input)).toBe(expected);
  });

  it.each(["9007199254740993", "3.14159265358979323846", "1.", ".5", "1.0", "00.5", "-", "yes", "truth", "+5", "1 000"])("keeps %j a string", (input) => {
    expect(toTypedValue(input)).toBe(input);
  });

  it("types every named value and leaves out a value without a name", () => {
    expect(toTypedValues({ "": "1", a: "1", b: "x" })).toEqual({ a: 1, b: "x" });
  });

  it.each([
    ["list", "solo", ["solo"]],
    ["list", ["a", "b"], ["a", "b"]],
    ["string", "007", "007"],
    ["integer", "+5", 5],
    ["integer", "-05", -5],
    ["integer", "5.0", undefined],
    ["integer", "12345678901234567890", undefined],
    ["integer", "", undefined],
    ["decimal", "+1.5", 1.5],
    ["decimal", ".5", 0.5],
    ["decimal", "7", 7],
    ["decimal", "1e3", undefined],
    ["decimal", "abc", undefined],
    ["decimal", "", undefined],
    ["boolean", "TRUE", true],
    ["boolean", "False", false],
    ["boolean", "yes", undefined],
    ["date", "2024-05-01T10:00:00+02:00", "2024-05-01 08:00"],
    ["date", "May 1st", undefined],
    ["string", ["a"], undefined],
    ["integer", ["1"], undefined],
  ] as const)("converts to a %s tag %j as %j", (type, value, expected) => {
    expect(convertToTagType(type, value as string | string[])).toEqual(expected);
  });

  it("types a tag by the pinned type, else the reserved one, else the value, and looks up only own names", () => {
    const settings = { ...SETTINGS, tagTypes: { Code: "string", $Age: "string" } as const };

    expect(tagValue("Code", "42", settings)).toBe("42");
    expect(tagValue("$Age", "42", settings)).toBe("42");
    expect(tagValue("$Age", "42", SETTINGS)).toBe(42);
    expect(tagValue("Other", "42", settings)).toBe(42);
    expect(tagValue("Other", ["42"], settings)).toEqual(["42"]);
    expect(tagValue("toString", "42", SETTINGS)).toBe(42);
    expect(tagValue("constructor", "true", SETTINGS)).toBe(true);
  });

  it("counts a skipped value as metric tagSkipped by reason", () => {
    const dimensions = vi.spyOn(Metrics.prototype, "addDimensions").mockReturnThis();
    const metric = vi.spyOn(Metrics.prototype, "addMetric").mockReturnThis();
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      expect(tagValue("$Age", "thirty", SETTINGS)).toBeUndefined();

      expect(dimensions).toHaveBeenCalledWith({ reason: TAG_SKIPPED_REASON });
      expect(metric).toHaveBeenCalledWith("tagSkipped", MetricUnit.Count, 1);
    } finally {
      dimensions.mockRestore();
      metric.mockRestore();
      warn.mockRestore();
    }
  });

  it("logs nothing for a value that converts to its pinned type", () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      expect(tagValue("$Age", "34", SETTINGS)).toBe(34);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe("deviceTypeFor, more", () => {
  it.each([
    ["ios", "fcm", "", 3],
    ["android", "apns", "", 1],
    ["other", "fcm", "", 3],
    ["ios", "web", "", 1],
    ["web", "web", "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0", 11],
    ["web", "web", "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0 Mobile/15E148 Safari/604.1", 11],
    ["web", "web", "Mozilla/5.0 (X11) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/124.0 Safari/537.36", 11],
    ["web", "web", "Mozilla/5.0 (Windows) AppleWebKit/537.36 Safari/537.36 OPR/110.0", 11],
    ["web", undefined, "Mozilla/5.0 Safari/605.1.15", 10],
    ["web", undefined, undefined, undefined],
    ["other", undefined, "Mozilla/5.0 Chrome/124.0", undefined],
  ] as const)("%s with a %s token and UA %j is %j", (platform, kind, userAgent, expected) => {
    expect(deviceTypeFor(platform, kind, userAgent)).toBe(expected);
  });
});

describe("hwidFromToken, value", () => {
  it("is the first 32 hex digits of the token's SHA-256, so hwids stay the same across deploys", () => {
    expect(hwidFromToken("token-1")).toBe("3f08aace122ee2368432c1ca23a049bc");
  });
});

describe("userIdOf", () => {
  const raw = (type: string, value: string) => ({ type, encoding: "raw" as const, value });

  it("takes the raw customer id, else the mpid; never a hashed or blank customer id", () => {
    expect(userIdOf([raw("email", "a@b.c"), raw("customer", "c-1")], "9", "customer")).toBe("c-1");
    expect(userIdOf([{ type: "customer", encoding: "sha256", value: "abc" }], "9", "customer")).toBe("9");
    expect(userIdOf([raw("customer", "  ")], "9", "customer")).toBe("9");
    expect(userIdOf([raw("other", "c-1")], undefined, "customer")).toBeUndefined();
    expect(userIdOf([raw("customer", "c-1")], "9", "mpid")).toBe("9");
  });
});

describe("erasureTargets", () => {
  const raw = (type: string, value: string) => ({ type, encoding: "raw" as const, value });

  it("reaches the customer id and the raw, non-blank device ids, each once", () => {
    const identities = [
      raw("controller_customer_id", "c-1"),
      raw("ios_vendor_id", IDFV),
      raw("ios_vendor_id", IDFV),
      raw("android_id", " "),
      { type: "android_id", encoding: "sha256" as const, value: "hashed" },
      raw("email", "a@b.c"),
    ];

    expect(erasureTargets(identities, SETTINGS)).toEqual({ userId: "c-1", hwids: [IDFV] });
    expect(erasureTargets([raw("controller_customer_id", "")], SETTINGS)).toEqual({ hwids: [] });
  });
});

describe("the Pushwoosh route", () => {
  const ACCOUNT = { applicationCode: "ABCDE-12345", apiToken: "device-api-token" };
  const user = (overrides: Partial<MparticleUser> = {}): MparticleUser => ({
    mpid: "12345",
    identities: [],
    attributes: {},
    attributeLists: {},
    device: { platform: "ios", deviceId: IDFV },
    ...overrides,
  });
  const custom = { id: "e-1", type: "custom_event" as const, timestampMs: 1000, name: "Opened", attributes: {} };
  const route = (batch: Partial<NormalisedBatch>, settings = SETTINGS) =>
    pushwooshRoute("inbound-token", settings)({ requestId: "r-1", events: [], accountSettings: ACCOUNT, ...batch });

  it("carries the batch's user, whether a server API token came and the user's attributes as an event of their own", () => {
    const result = route({ events: [custom], user: user({ attributes: { A: "1" } }) });

    expect(result?.events.map((event) => event.type)).toEqual(["custom_event", "user_attributes"]);
    expect(result?.events[1]).toEqual({ id: "r-1/attributes", type: "user_attributes" });
    expect(result).toMatchObject({
      flow: "mparticle-to-pushwoosh",
      destination: "pushwoosh",
      context: { serverApi: false, user: user({ attributes: { A: "1" } }) },
    });
    expect(openCredentials(contextSchema.parse(result?.context).credentials, "inbound-token")).toEqual(ACCOUNT);
  });

  it("adds the attributes event for attribute lists alone, and none without attributes", () => {
    expect(route({ events: [custom], user: user({ attributeLists: { L: ["x"] } }) })?.events.map((event) => event.type)).toEqual([
      "custom_event",
      "user_attributes",
    ]);
    expect(route({ events: [custom], user: user() })?.events.map((event) => event.type)).toEqual(["custom_event"]);
  });

  it("sends a user's events only when it has an id, but its device's events always, and warns of what it leaves out", () => {
    const device = { id: "d-1", type: "device_state" as const };
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      const result = route({ events: [custom, device], user: user({ mpid: undefined, attributes: { A: "1" } }) });

      expect(result?.events).toEqual([device]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("no customer id or mpid"), { requestId: "r-1" });
    } finally {
      warn.mockRestore();
    }
  });

  it("warns of nothing for a batch without events; routes its attributes (eventless batches carry them), nothing for a user without id", () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      expect(route({ events: [], user: user({ mpid: undefined, attributes: { A: "1" } }) })).toBeUndefined();
      expect(route({ events: [], user: user({ attributes: {} }) })).toBeUndefined();
      expect(route({ events: [], user: user({ attributes: { A: "1" } }) })?.events).toEqual([expect.objectContaining({ type: "user_attributes" })]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("routes the uninstalls and push subscriptions of a device without a user", () => {
    const uninstall = { id: "u-1", type: "uninstall" as const, timestampMs: 1 };
    const subscription = { id: "s-1", type: "push_subscription" as const, timestampMs: 1, action: "subscribe" as const, token: "t" };

    const result = route({ events: [uninstall, subscription, custom] });

    expect(result?.events).toEqual([uninstall, subscription]);
    expect(result?.context).not.toHaveProperty("user");
  });

  it.each([
    ["applicationCode", { apiToken: "device-api-token" }],
    ["applicationCode", { applicationCode: "  ", apiToken: "device-api-token" }],
    ["apiToken", { applicationCode: "ABCDE-12345" }],
    ["apiToken", { applicationCode: "ABCDE-12345", apiToken: " " }],
  ])("names the missing %s setting as the error of the work, for parking", (field, accountSettings) => {
    expect(route({ events: [custom], user: user(), accountSettings })?.error).toEqual(
      expect.objectContaining({
        errorClass: "validation",
        field: `account.account_settings.${field}`,
        message: `account.account_settings.${field} is required`,
      }),
    );
  });

  it("trims the settings and leaves out a blank server API token", () => {
    const result = route({
      events: [custom],
      user: user(),
      accountSettings: { applicationCode: " ABCDE-12345 ", apiToken: "device-api-token", serverApiToken: " " },
    });

    expect(result?.context).toMatchObject({ serverApi: false });
    expect(openCredentials(contextSchema.parse(result?.context).credentials, "inbound-token")).toEqual(ACCOUNT);
  });

  it("manages no segment without a server API token, even beside other events, and says why", () => {
    const subscription = { id: "s-1", type: "audience_subscription" as const, audienceId: 1, audienceName: "VIP", action: "add" as const };
    const uninstall = { id: "u-1", type: "uninstall" as const, timestampMs: 1 };
    const info = vi.spyOn(logger, "info").mockImplementation(() => undefined);
    try {
      expect(route({ events: [uninstall, subscription] })).toBeUndefined();
      expect(info).toHaveBeenCalledWith(expect.stringContaining("no Pushwoosh server API token"), { requestId: "r-1" });
      expect(route({ events: [subscription], accountSettings: { ...ACCOUNT, serverApiToken: "server-api-token" } })?.events).toEqual([subscription]);
    } finally {
      info.mockRestore();
    }
  });

  it("routes a membership change only for a user with an id and a change to make", () => {
    const membership = (mpid: string | undefined, audiences: MparticleEventOf<"audience_membership">["audiences"]) =>
      route({ events: [{ id: "m-1", type: "audience_membership", ...(mpid ? { mpid } : {}), identities: [], audiences }] });
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      expect(membership("1", [{ audienceName: "A", action: "attribute_update", attributes: [] }])).toBeUndefined();
      expect(
        membership("1", [{ audienceName: "A", action: "attribute_update", attributes: [{ key: "k", value: "v", action: "upsert" }] }])?.events,
      ).toHaveLength(1);
      expect(membership("1", [{ audienceName: "A", action: "delete", attributes: [] }])?.events).toHaveLength(1);
      expect(
        membership("1", [
          { audienceName: "A", action: "attribute_update", attributes: [] },
          { audienceName: "B", action: "add", attributes: [] },
        ])?.events,
      ).toHaveLength(1);
      expect(warn).not.toHaveBeenCalled();
      expect(membership(undefined, [{ audienceName: "A", action: "add", attributes: [] }])).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("no customer id or mpid"), { eventId: "m-1" });
    } finally {
      warn.mockRestore();
    }
  });

  it("answers but does not carry out an erasure without the application code or API token", () => {
    const erasure = {
      id: "x-1",
      type: "erasure" as const,
      subjectRequestId: "s",
      identities: [{ type: "ios_vendor_id", encoding: "raw" as const, value: IDFV }],
    };
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      expect(route({ events: [erasure], accountSettings: { applicationCode: "ABCDE-12345", apiToken: " " } })).toBeUndefined();
      expect(route({ events: [erasure], accountSettings: { applicationCode: "ABCDE-12345" } })).toBeUndefined();
      expect(route({ events: [erasure], accountSettings: { applicationCode: " ", apiToken: "device-api-token" } })).toBeUndefined();
      expect(route({ events: [erasure], accountSettings: { apiToken: "device-api-token" } })).toBeUndefined();
      expect(warn.mock.calls.map(([, details]) => details)).toEqual(
        Array.from({ length: 4 }, () => ({ requestId: "r-1", subjectRequestId: "s", reason: ERASURE_REASONS.noSettings })),
      );
      expect(route({ events: [erasure] })?.events).toEqual([erasure]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe("pushwooshCalls", () => {
  const device = { platform: "ios" as const, deviceId: IDFV };
  const user = (overrides: Partial<MparticleUser> = {}): MparticleUser => ({
    mpid: "12345",
    identities: [],
    attributes: {},
    attributeLists: {},
    device,
    ...overrides,
  });
  const mapped = (events: MparticleEvent[], context: { serverApi: boolean; user?: MparticleUser }, settings = SETTINGS) =>
    pushwooshCalls(
      events.map((event) => ({ id: event.id, event })),
      context,
      settings,
    );

  it("posts an event at its UTC second and at the device's local time, with the hwid", () => {
    const event = { id: "e-1", type: "custom_event" as const, timestampMs: 1_714_592_744_999, name: "Opened", attributes: { n: "2", "": "x" } };

    expect(mapped([event], { serverApi: false, user: user({ device: { ...device, timezoneSeconds: 3600 } }) })).toEqual([
      {
        eventIds: ["e-1"],
        item: {
          method: "postEvent",
          userId: "12345",
          hwid: IDFV,
          event: "Opened",
          attributes: { n: 2 },
          timestampUTC: 1_714_592_744,
          timestampCurrent: 1_714_596_344,
        },
      },
    ]);
    expect(mapped([event], { serverApi: false, user: user() })[0]?.item).toMatchObject({ timestampUTC: 1_714_592_744, timestampCurrent: 1_714_592_744 });
  });

  it("posts no event for a user without an id, and sets no tags for one", () => {
    const event = { id: "e-1", type: "custom_event" as const, timestampMs: 1, name: "Opened", attributes: {} };
    const attributes = { id: "a-1", type: "user_attributes" as const };

    expect(mapped([event, attributes], { serverApi: false, user: user({ mpid: undefined, attributes: { A: "1" } }) })).toEqual([]);
  });

  it("sets the user's tags from a user_attributes event alone, and none when every value is left out", () => {
    const attributes = { id: "a-1", type: "user_attributes" as const };

    expect(mapped([attributes], { serverApi: false, user: user({ attributes: { A: "1", "": "x" } }) })).toEqual([
      { eventIds: ["a-1"], item: { method: "setTags", userId: "12345", tags: { A: 1 } } },
    ]);
    expect(mapped([attributes], { serverApi: false, user: user({ attributes: { "": "x" } }) })).toEqual([]);
  });

  it("clears a removed key but never a key without a name, and lets the batch's attributes win over the changes", () => {
    const change = { id: "c-1", type: "user_attribute_change" as const, timestampMs: 1, added: { A: "old", "": "x" }, removed: ["", "B"] };

    expect(mapped([change], { serverApi: false, user: user({ attributes: { A: "new" } }) })[0]?.item).toEqual({
      method: "setTags",
      userId: "12345",
      tags: { A: "new", B: null },
    });
  });

  it("registers the device of a token in the runtime environment, with the user, unless the batch already handles that device", () => {
    const state = { id: "d-1", type: "device_state" as const };
    const tokened = user({ device: { platform: "android", token: { value: "fcm-token", kind: "fcm" }, language: "de" } });
    const hwid = hwidFromToken("fcm-token");

    expect(mapped([state], { serverApi: false, user: tokened })).toStrictEqual([
      { eventIds: ["d-1"], item: { method: "registerDevice", hwid, push_token: "fcm-token", device_type: 3, userId: "12345", language: "de" } },
    ]);
    const unsubscribe = { id: "p-1", type: "push_subscription" as const, timestampMs: 1, action: "unsubscribe" as const, token: "fcm-token" };
    expect(mapped([unsubscribe, state], { serverApi: false, user: tokened }).map((call) => call.item)).toEqual([{ method: "unregisterDevice", hwid }]);
    expect(mapped([state], { serverApi: false, user: user() })).toEqual([]);
  });

  it("registers no device it has no device type for, and no user it has no id for", () => {
    const state = { id: "d-1", type: "device_state" as const };
    const subscribe = { id: "p-1", type: "push_subscription" as const, timestampMs: 1, action: "subscribe" as const, token: "t-1" };

    expect(mapped([state], { serverApi: false, user: user({ device: { platform: "other", token: { value: "t", kind: "web" } } }) })).toEqual([]);
    expect(mapped([subscribe], { serverApi: false, user: user({ device: { platform: "other" } }) })).toEqual([]);
    expect(mapped([subscribe], { serverApi: false, user: user({ mpid: undefined, device: { platform: "android" } }) })).toStrictEqual([
      { eventIds: ["p-1"], item: { method: "registerDevice", hwid: hwidFromToken("t-1"), push_token: "t-1", device_type: 3 } },
    ]);
  });

  it("takes the kind of the device's own token over its platform's for a subscription", () => {
    const subscribe = { id: "p-1", type: "push_subscription" as const, timestampMs: 1, action: "subscribe" as const, token: "t-1" };

    expect(
      mapped([subscribe], { serverApi: false, user: user({ device: { platform: "ios", deviceId: IDFV, token: { value: "old", kind: "fcm" } } }) })[0]?.item,
    ).toMatchObject({ hwid: IDFV, device_type: 3 });
  });

  it("posts with the hwid of the device's token, and unregisters that device on an uninstall", () => {
    const tokened = user({ device: { platform: "android", token: { value: "fcm-token", kind: "fcm" } } });
    const event = { id: "e-1", type: "screen_view" as const, timestampMs: 1000, screenName: "Home", attributes: {} };
    const uninstall = { id: "u-1", type: "uninstall" as const, timestampMs: 1 };

    expect(mapped([event, uninstall], { serverApi: false, user: tokened }).map((call) => call.item)).toEqual([
      {
        method: "postEvent",
        userId: "12345",
        hwid: hwidFromToken("fcm-token"),
        event: "PW_ScreenOpen",
        attributes: { screen_name: "Home" },
        timestampUTC: 1,
        timestampCurrent: 1,
      },
      { method: "unregisterDevice", hwid: hwidFromToken("fcm-token") },
    ]);
  });

  it("registers a tokened device only for a batch that reports its state, and sets no tags without an attributes event", () => {
    const tokened = user({ attributes: { A: "1" }, device: { platform: "android", token: { value: "fcm-token", kind: "fcm" } } });
    const event = { id: "e-1", type: "custom_event" as const, timestampMs: 1000, name: "Opened", attributes: {} };

    expect(mapped([event], { serverApi: false, user: tokened }).map((call) => call.item.method)).toEqual(["postEvent"]);
  });

  it("names the events each device, erasure and membership call stands for", () => {
    const uninstall = { id: "u-1", type: "uninstall" as const, timestampMs: 1 };
    const erasure = {
      id: "x-1",
      type: "erasure" as const,
      subjectRequestId: "s",
      identities: [
        { type: "controller_customer_id", encoding: "raw" as const, value: "c-1" },
        { type: "ios_vendor_id", encoding: "raw" as const, value: IDFV },
      ],
    };
    const membership = {
      id: "m-1",
      type: "audience_membership" as const,
      mpid: "7",
      identities: [],
      audiences: [
        { audienceName: "Gone", action: "delete" as const, attributes: [] },
        { audienceName: "New", action: "add" as const, attributes: [] },
      ],
    };

    expect(mapped([uninstall, erasure, membership], { serverApi: false, user: user() }).map((call) => [call.eventIds, call.item.method])).toEqual([
      [["u-1"], "unregisterDevice"],
      [["x-1"], "deleteUser"],
      [["x-1"], "unregisterDevice"],
      [["m-1"], "setTags"],
      [["m-1"], "setTags"],
    ]);
  });

  it("posts without an hwid when the batch only unsubscribes a token", () => {
    const unsubscribe = { id: "p-1", type: "push_subscription" as const, timestampMs: 1, action: "unsubscribe" as const, token: "t-1" };
    const event = { id: "e-1", type: "custom_event" as const, timestampMs: 1000, name: "Opened", attributes: {} };

    const [posted] = mapped([event, unsubscribe], { serverApi: false, user: user({ device: { platform: "web" } }) });

    expect(posted?.item).not.toHaveProperty("hwid");
  });

  it("creates a segment on the configured membership tag", () => {
    const subscription = { id: "s-1", type: "audience_subscription" as const, audienceId: 1, audienceName: "VIP", action: "add" as const };

    expect(mapped([subscription], { serverApi: true }, { ...SETTINGS, audienceTag: "Audiences" })).toEqual([
      { eventIds: ["s-1"], item: { method: "createFilter", name: "mParticle: VIP", tagName: "Audiences", tagValue: "VIP" } },
    ]);
  });

  it("sets and clears an audience's attributes, list values included, and removes a left audience", () => {
    const membership = {
      id: "m-1",
      type: "audience_membership" as const,
      mpid: "7",
      identities: [],
      audiences: [
        { audienceName: "Gone", action: "delete" as const, attributes: [] },
        {
          audienceName: "Kept",
          action: "attribute_update" as const,
          attributes: [
            { key: "Tags", listValue: ["a"], action: "upsert" as const },
            { key: "Empty", action: "upsert" as const },
            { key: "Old", value: "1", action: "delete" as const },
          ],
        },
      ],
    };

    expect(mapped([membership], { serverApi: false }).map((call) => call.item)).toEqual([
      { method: "setTags", userId: "7", tags: { "mParticle Audiences": { operation: "remove", value: ["Gone"] } } },
      { method: "setTags", userId: "7", tags: { Tags: ["a"], Empty: "", Old: null } },
    ]);
  });

  it("goes bulk from exactly 50 device entries, setting attributes with the set operator and naming each event once per chunk", () => {
    const memberships = (count: number) =>
      Array.from({ length: count }, (_, index) => ({
        id: `m-${index}`,
        type: "audience_membership" as const,
        mpid: String(index),
        identities: [],
        audiences: [{ audienceName: "VIP", action: "add" as const, attributes: [{ key: "Tier", value: "2", action: "upsert" as const }] }],
      }));

    const bulk = mapped(memberships(25), { serverApi: true });
    const below = mapped(
      memberships(24)
        .slice(0, 24)
        .concat(
          memberships(25)
            .slice(24, 25)
            .map((event) => ({ ...event, audiences: [{ audienceName: "VIP", action: "add" as const, attributes: [] }] })),
        ),
      { serverApi: true },
    );

    expect(bulk).toHaveLength(1);
    expect(bulk[0]?.eventIds).toEqual(Array.from({ length: 25 }, (_, index) => `m-${index}`));
    expect(bulk[0]?.item).toMatchObject({ method: "bulkSetTags" });
    expect(bulk[0]?.item.method === "bulkSetTags" && bulk[0].item.devices.slice(0, 2)).toEqual([
      { user_id: "0", list_operator: "append", tags: { "mParticle Audiences": ["VIP"] } },
      { user_id: "0", list_operator: "set", tags: { Tier: 2 } },
    ]);
    expect(new Set(below.map((call) => call.item.method))).toEqual(new Set(["setTags"]));
    expect(below).toHaveLength(25);
  });

  it("splits bulk entries into chunks of 500", () => {
    const memberships = Array.from({ length: 501 }, (_, index) => ({
      id: `m-${index}`,
      type: "audience_membership" as const,
      mpid: String(index),
      identities: [],
      audiences: [{ audienceName: "VIP", action: "add" as const, attributes: [] }],
    }));

    const calls = mapped(memberships, { serverApi: true });

    expect(calls.map((call) => call.item.method === "bulkSetTags" && call.item.devices.length)).toEqual([500, 1]);
    expect(calls[1]?.eventIds).toEqual(["m-500"]);
  });

  it("sends one remove edit, and nothing more, for a user who only leaves", () => {
    const membership = {
      id: "m-1",
      type: "audience_membership" as const,
      mpid: "7",
      identities: [],
      audiences: [{ audienceName: "Gone", action: "delete" as const, attributes: [] }],
    };

    expect(mapped([membership], { serverApi: false }).map((call) => call.item)).toEqual([
      { method: "setTags", userId: "7", tags: { "mParticle Audiences": { operation: "remove", value: ["Gone"] } } },
    ]);
  });

  it("sends only the remove edits of users who only leave, in bulk too", () => {
    const memberships = Array.from({ length: 50 }, (_, index) => ({
      id: `m-${index}`,
      type: "audience_membership" as const,
      mpid: String(index),
      identities: [],
      audiences: [{ audienceName: "VIP", action: "delete" as const, attributes: [] }],
    }));

    const [bulk, ...others] = mapped(memberships, { serverApi: true });

    expect(others).toEqual([]);
    expect(bulk?.item.method === "bulkSetTags" && new Set(bulk.item.devices.map((device) => device.list_operator))).toEqual(new Set(["remove"]));
  });

  it("unregisters the devices of an erasure without a user id, and deletes no user", () => {
    const erasure = {
      id: "x-1",
      type: "erasure" as const,
      subjectRequestId: "s",
      identities: [{ type: "android_id", encoding: "raw" as const, value: "a0504a8cfa15ce2c" }],
    };

    expect(mapped([erasure], { serverApi: false })).toStrictEqual([{ eventIds: ["x-1"], item: { method: "unregisterDevice", hwid: "a0504a8cfa15ce2c" } }]);
  });

  it("sends exactly 500 bulk entries as one call", () => {
    const memberships = Array.from({ length: 500 }, (_, index) => ({
      id: `m-${index}`,
      type: "audience_membership" as const,
      mpid: String(index),
      identities: [],
      audiences: [{ audienceName: "VIP", action: "add" as const, attributes: [] }],
    }));

    expect(mapped(memberships, { serverApi: true }).map((call) => call.item.method === "bulkSetTags" && call.item.devices.length)).toEqual([500]);
  });

  it("skips a membership of a user without an id", () => {
    const membership = {
      id: "m-1",
      type: "audience_membership" as const,
      identities: [],
      audiences: [{ audienceName: "VIP", action: "add" as const, attributes: [] }],
    };

    expect(mapped([membership], { serverApi: true })).toEqual([]);
  });
});

describe("mparticleToPushwoosh.mapMessage", () => {
  it("gives each call the message's sealed credentials", () => {
    const context = { credentials: "sealed", serverApi: true };
    const subscription = { id: "s-1", type: "audience_subscription", audienceId: 1, audienceName: "VIP", action: "remove" };

    const { items, failed } = mparticleToPushwoosh.mapMessage([{ id: "s-1", event: subscription }], context);

    expect(failed.size).toBe(0);
    expect(items).toEqual([{ eventIds: ["s-1"], item: { credentials: "sealed", call: { method: "deleteFilter", name: "mParticle: VIP" } } }]);
  });
});
