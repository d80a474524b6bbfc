import { describe, expect, it, vi } from "vitest";
import { PUSHWOOSH_SETTING_DEFAULTS, type PushwooshMappingSettings } from "../../../shared/config/settings.js";
import { openCredentials } from "../../../shared/destinations/pushwoosh/credentials.js";
import { pushwooshPayloadSchema, type PushwooshCall } from "../../../shared/destinations/pushwoosh/schema.js";
import { ValidationError } from "../../../shared/errors.js";
import { logger } from "../../../shared/observability.js";
import {
  ERASURE_REASONS, TAG_SKIPPED_REASON, contextSchema, deviceTypeFor, hwidFromToken, pushwooshCalls, pushwooshRoute, toPushwooshDate, toTypedValue,
} from "../../../shared/flows/mparticleToPushwoosh.js";
import { packWorkBatch } from "../../../shared/queue/enqueue.js";
import type { WorkBatch } from "../../../shared/queue/workItem.js";
import {
  accept,
  normaliseAudienceMembership,
  normaliseAudienceSubscription,
  normaliseDsrProcessing,
  normaliseEventProcessing,
} from "../../../shared/sources/mparticle/accept.js";
import { mparticleEventSchema, type NormalisedBatch } from "../../../shared/sources/mparticle/model.js";
import {
  audienceMembershipChangeRequestSchema,
  audienceSubscriptionRequestSchema,
  dsrProcessingRequestSchema,
  eventProcessingRequestSchema,
  type DsrProcessingRequest,
} from "../../../shared/sources/mparticle/schema.js";
import {
  CUSTOMER_ID, PUSHWOOSH_CREDENTIALS, attributeChange, configured, customEvent, fixture, heartbeat, iosBatch, membershipChange,
  pushSubscription, screenView, stateTransition,
} from "../sources/mparticle/factories.js";

const SETTINGS: PushwooshMappingSettings = {
  screenViewEvent: PUSHWOOSH_SETTING_DEFAULTS.PUSHWOOSH_SCREEN_VIEW_EVENT,
  audienceTag: "mParticle Audiences",
  userId: "customer",
  tagTypes: {},
};

/** The ingest side: what this flow's route enqueues for a normalised batch. */
function work(batch: NormalisedBatch, settings = SETTINGS): WorkBatch[] {
  return accept(batch, { correlationId: "corr-1", receivedAt: "2024-05-01T19:05:44.000Z", routes: [pushwooshRoute("inbound-token", settings)] }).workItems;
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
        method: "postEvent", userId: "12345", hwid: "a0504a8cfa15ce2c", event: "customEvent", attributes: { event_attribute: "value" },
        timestampUTC: 1714592744, timestampCurrent: 1714592744 - 5 * 3600,
      },
      { method: "registerDevice", hwid: "a0504a8cfa15ce2c", push_token: "1234567890", device_type: 3, userId: "12345", timezone: -18000, language: "en" },
    ]);
  });

  it("types every attribute, clears removed ones and sends one setTags per batch, first", () => {
    const request = iosBatch([
      attributeChange({ Age: "", Score: "", Newsletter: "", Birthday: "", Zip: "", Favorites: "" }),
      customEvent("Purchase"),
      attributeChange({ Plan: "" }, { Churned: "yes" }),
    ], {
      user_attributes: { Age: "42", Score: "9.75", Newsletter: "true", Birthday: "1990-04-01T08:30:00Z", Zip: "02134", Plan: "gold", Ignored: "unchanged" },
      user_attribute_lists: { Favorites: ["jazz", "blues"] },
    });

    const [setTags, ...rest] = calls(events(request));

    expect(setTags).toEqual({
      method: "setTags",
      userId: CUSTOMER_ID,
      tags: {
        Age: 42, Score: 9.75, Newsletter: true, Birthday: "1990-04-01 08:30", Zip: "02134", Favorites: ["jazz", "blues"], Plan: "gold", Churned: null,
        Ignored: "unchanged",
      },
    });
    expect(rest.map((call) => call.method)).toEqual(["postEvent"]);
  });

  it("posts screen views under the configured name with screen_name, and attributes {} when empty", () => {
    const request = iosBatch([screenView("Checkout", { step: "2" }), customEvent("Opened")], NO_ATTRIBUTES);

    const [screen, opened] = calls(events(request));

    expect(screen).toMatchObject({ method: "postEvent", userId: CUSTOMER_ID, hwid: IDFV, event: "PW_ScreenOpen", attributes: { step: 2, screen_name: "Checkout" } });
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
      runtime_environment: { type: "mobileweb", http_header_user_agent: "Mozilla/5.0 Firefox/125.0", identities: [] }, ...NO_ATTRIBUTES,
    });
    const subscribe = iosBatch([pushSubscription("subscribe", "web-token")], {
      runtime_environment: { type: "mobileweb", http_header_user_agent: "Mozilla/5.0 Firefox/125.0", identities: [] }, ...NO_ATTRIBUTES,
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

  it("rejects a batch with work but without the application code, naming the setting", () => {
    const sample = fixture("EventProcessingRequest_ios.json");

    expect(() => events(sample)).toThrow(ValidationError);
    expect(() => events(sample)).toThrow(/account\.account_settings\.applicationCode/);
  });
});

describe("erasure requests → Pushwoosh", () => {
  const dsr = (identities: Record<string, string>, settings: Record<string, string> | null = PUSHWOOSH_CREDENTIALS) => dsrProcessingRequestSchema.parse({
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
    ["the sample (an advertising id and an email)", () => erase(dsr({ android_advertising_id: "84aa", email: "jane.doe@example.com" })), ERASURE_REASONS.noIdentity],
    ["a customer id while the Pushwoosh user id is the mpid", () => erase(dsr({ controller_customer_id: CUSTOMER_ID }), { ...SETTINGS, userId: "mpid" }), ERASURE_REASONS.noIdentity],
    ["no Pushwoosh account settings", () => erase(dsr({ controller_customer_id: CUSTOMER_ID }, null)), ERASURE_REASONS.noSettings],
  ])("enqueues nothing for %s, and logs the reason", (_label, items, reason) => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      expect(items()).toEqual([]);
      expect(warn).toHaveBeenCalledWith("erasure answered, not carried out", expect.objectContaining({ reason, subjectRequestId: "1e2c8cf4-f985-4398-b482-a520860d3bf6" }));
    } finally {
      warn.mockRestore();
    }
  });
});

describe("audience subscriptions → Pushwoosh segments", () => {
  const subscription = (action: string, settings?: Record<string, string>) =>
    work(normaliseAudienceSubscription(audienceSubscriptionRequestSchema.parse({ ...configured(fixture("AudienceSubscriptionRequest.json"), settings), action })));

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
        method: "setTags", userId: "12345",
        tags: { "Some Key": 9999999, Churned: null, "mParticle Audiences": { operation: "append", value: ["Example Audience Name"] } },
      },
    ]);
  });

  it("sends one setTags per user below the bulk threshold", () => {
    const result = calls(membership(membershipChange(3, ["VIP"])));

    expect(result).toEqual(["1000", "1001", "1002"].map((userId) => ({
      method: "setTags", userId, tags: { "mParticle Audiences": { operation: "append", value: ["VIP"] } },
    })));
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
