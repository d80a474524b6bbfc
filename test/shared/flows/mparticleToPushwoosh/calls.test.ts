import { describe, expect, it, vi } from "vitest";
import { pushwooshPayloadSchema } from "../../../../shared/destinations/pushwoosh/schema.js";
import { mparticleToPushwoosh } from "../../../../shared/flows/mparticleToPushwoosh.js";
import { pushwooshCalls } from "../../../../shared/flows/mparticleToPushwoosh/calls.js";
import { PUSHWOOSH_SETTING_DEFAULTS, type PushwooshMappingSettings } from "../../../../shared/flows/mparticleToPushwoosh/settings.js";
import { logger } from "../../../../shared/observability.js";
import type { MparticleEvent, MparticleUser } from "../../../../shared/sources/mparticle/model.js";
import { CUSTOMER_ID, fixture } from "../../sources/mparticle/factories.js";

const SETTINGS: PushwooshMappingSettings = {
  screenViewEvent: PUSHWOOSH_SETTING_DEFAULTS.PUSHWOOSH_SCREEN_VIEW_EVENT,
  audienceTag: PUSHWOOSH_SETTING_DEFAULTS.PUSHWOOSH_AUDIENCE_TAG,
  userId: "customer",
  tagTypes: {},
};

const IDFV = "97b826c2-ab80-4876-a184-db36cc39b1ee";
const USER: MparticleUser = { mpid: "12345", identities: [], attributes: { Plan: "gold" }, attributeLists: {}, device: { platform: "ios", deviceId: IDFV } };

interface Context {
  serverApi: boolean;
  user?: MparticleUser;
}

/** What the worker hands the Pushwoosh destination for one message, each item held to the destination's payload schema. */
function delivered(events: MparticleEvent[], context: Context) {
  const { items, failed } = mparticleToPushwoosh.mapMessage(
    events.map((event) => ({ id: event.id, event })),
    { credentials: "sealed", ...context },
  );
  expect([...failed.values()]).toEqual([]);
  for (const { item } of items) expect(pushwooshPayloadSchema.safeParse(item).error).toBeUndefined();
  return items;
}

const custom = (id: string, timestampMs: number) => ({ id, type: "custom_event" as const, timestampMs, name: "Opened", attributes: {} });

describe("the user's setTags, dated for the merge by event time", () => {
  it("carries the batch's latest event time, whatever the order of its events; other calls carry none", () => {
    const change = { id: "c-1", type: "user_attribute_change" as const, timestampMs: 3_000, added: { Plan: "gold" }, removed: [] };
    const attributes = { id: "a-1", type: "user_attributes" as const };
    const events = [custom("e-1", 2_000), change, custom("e-2", 1_000), attributes];

    const items = delivered(events, { serverApi: false, user: USER });

    const posted = (timestampUTC: number) => ({
      method: "postEvent",
      userId: "12345",
      hwid: IDFV,
      event: "Opened",
      attributes: {},
      timestampUTC,
      timestampCurrent: timestampUTC,
    });
    expect(items).toStrictEqual([
      { eventIds: ["c-1", "a-1"], item: { credentials: "sealed", call: { method: "setTags", userId: "12345", tags: { Plan: "gold" } }, eventTimeMs: 3_000 } },
      { eventIds: ["e-1"], item: { credentials: "sealed", call: posted(2) } },
      { eventIds: ["e-2"], item: { credentials: "sealed", call: posted(1) } },
    ]);
  });

  it("is dated by the latest event also when the events come in time order", () => {
    const [setTags] = delivered([custom("e-1", 1_000), custom("e-2", 4_000), { id: "a-1", type: "user_attributes" }], { serverApi: false, user: USER });

    expect(setTags?.item).toMatchObject({ call: { method: "setTags" }, eventTimeMs: 4_000 });
  });

  it("carries no event time for an eventless batch: its attributes have no time of their own", () => {
    const attributes = { id: "a-1", type: "user_attributes" as const };
    const expected = { eventIds: ["a-1"], item: { method: "setTags", userId: "12345", tags: { Plan: "gold" } } };

    expect(pushwooshCalls([{ id: "a-1", event: attributes }], { serverApi: false, user: USER }, SETTINGS)).toStrictEqual([expected]);
    expect(delivered([attributes], { serverApi: false, user: USER })).toStrictEqual([
      { eventIds: ["a-1"], item: { credentials: "sealed", call: expected.item } },
    ]);
  });
});

describe("screen views", () => {
  it("posts a screen view without a screen name under the screen event, with its own attributes and no screen_name", () => {
    const screen = { id: "s-1", type: "screen_view" as const, timestampMs: 5_000, attributes: { step: "2" } };

    const [posted] = delivered([screen], { serverApi: false, user: { ...USER, attributes: {} } });

    expect(posted?.item.call).toStrictEqual({
      method: "postEvent",
      userId: "12345",
      hwid: IDFV,
      event: PUSHWOOSH_SETTING_DEFAULTS.PUSHWOOSH_SCREEN_VIEW_EVENT,
      attributes: { step: 2 },
      timestampUTC: 5,
      timestampCurrent: 5,
    });
  });
});

/** A Firehose request as a raw_document event holds it: parked at ingest, less its account settings. */
function parked(id: string, request: Record<string, unknown>): MparticleEvent {
  const account = request.account as Record<string, unknown> | undefined;
  const document = account ? { ...request, account: { ...account, account_settings: {} } } : request;
  return { id, type: "raw_document", door: "firehose", document };
}

const eventIdsAndMethods = (items: ReturnType<typeof delivered>) => items.map(({ eventIds, item }) => [eventIds, item.call.method]);

describe("a parked document, read again by the worker", () => {
  it("maps a parked batch to its user's calls, each standing for the parked event, also without a server API token", () => {
    const items = delivered([parked("bad-1", fixture("EventProcessingRequest_android.json"))], { serverApi: false });

    expect(eventIdsAndMethods(items)).toEqual([
      [["bad-1"], "setTags"],
      [["bad-1"], "postEvent"],
      [["bad-1"], "registerDevice"],
    ]);
  });

  it("manages a parked audience's segment only with a server API token", () => {
    const subscription = parked("bad-2", fixture("AudienceSubscriptionRequest.json"));

    expect(delivered([subscription], { serverApi: false })).toEqual([]);
    expect(delivered([subscription], { serverApi: true })).toEqual([
      {
        eventIds: ["bad-2"],
        item: {
          credentials: "sealed",
          call: { method: "createFilter", name: "mParticle: New Users Low Engagement", tagName: "mParticle Audiences", tagValue: "New Users Low Engagement" },
        },
      },
    ]);
  });

  it("carries out a parked erasure, whose account settings are sealed in the work item rather than in the document", () => {
    const erasure = parked("bad-3", {
      ...fixture("DsrProcessingRequest.json"),
      subject_identities: { controller_customer_id: { encoding: "raw", value: CUSTOMER_ID }, ios_vendor_id: { encoding: "raw", value: IDFV } },
    });
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      expect(delivered([erasure], { serverApi: false }).map(({ eventIds, item }) => ({ eventIds, call: item.call }))).toEqual([
        { eventIds: ["bad-3"], call: { method: "deleteUser", userId: CUSTOMER_ID } },
        { eventIds: ["bad-3"], call: { method: "unregisterDevice", hwid: IDFV } },
      ]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
