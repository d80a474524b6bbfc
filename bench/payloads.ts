import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS } from "../infra/local/sandboxes/pushwoosh.js";

/** Benchmark request bodies, built on the real partner samples in test/fixtures; every call gets fresh ids. */

type Json = Record<string, unknown>;

const MPARTICLE_FIXTURES = new URL("../test/fixtures/mparticle-firehose/", import.meta.url);
const BRAZE_FIXTURES = new URL("../test/fixtures/braze-currents/", import.meta.url);
const WEBHOOK_FIXTURES = new URL("../test/fixtures/mparticle-webhook/", import.meta.url);

function readJson(folder: URL, name: string): Json {
  return JSON.parse(readFileSync(new URL(name, folder), "utf8")) as Json;
}

/** What a customer types into the mParticle connection settings: the application the Pushwoosh sandbox holds. */
const BENCH_ACCOUNT_SETTINGS = DEVELOPMENT_PUSHWOOSH_CREDENTIALS;
export const BRAZE_BATCH_SIZE = 100;
/** The Braze types cycled through a batch; each of them is routed to Mixpanel, one in three also to mParticle. */
const BRAZE_EVENT_TYPES = ["users.messages.pushnotification.Send", "users.behaviors.CustomEvent", "users.behaviors.Purchase"] as const;
const BENCH_USERS = 20;
/** Platforms cycled through the events of the request-count workload (each is its own mParticle feed). */
export const BENCH_PLATFORMS = ["ios", "android", "web"] as const;

const iosSample = readJson(MPARTICLE_FIXTURES, "EventProcessingRequest_ios.json");
const brazeSamples = BRAZE_EVENT_TYPES.map((type) => readJson(BRAZE_FIXTURES, `${type}.json`));

function configuredRequest(): Json {
  const account = iosSample.account as Json;
  return { ...structuredClone(iosSample), id: randomUUID(), account: { ...account, account_settings: { ...BENCH_ACCOUNT_SETTINGS } } };
}

function customEvent(name: string, attributes: Record<string, string>, timestampMs: number): Json {
  return { type: "custom_event", id: randomUUID(), timestamp_ms: timestampMs, session_id: 1, name, custom_event_type: "other", attributes };
}

/** The iOS sample's events (fresh ids) plus three custom events, a raw customer id and user attributes. */
export function mparticleEventsRequest(sequence: number, users = BENCH_USERS): Json {
  const request = configuredRequest();
  const now = Date.now();
  const sampleEvents = (request.events as Json[]).map((event) => ({ ...event, id: randomUUID(), timestamp_ms: now }));
  return {
    ...request,
    timestamp_ms: now,
    user_identities: [...(request.user_identities as Json[]), { type: "customer", encoding: "raw", value: `bench-user-${sequence % users}` }],
    user_attributes: { ...(request.user_attributes as Json), plan: "premium", level: "42", newsletter: "true" },
    events: [
      ...sampleEvents,
      customEvent("article_read", { category: "sports", article_id: String(sequence) }, now),
      customEvent("add_to_wishlist", { sku: "SKU-123", price: "9.99" }, now),
      customEvent("level_up", { level: "42" }, now),
    ],
  };
}

/** The custom events of the bench's Firehose requests: Pushwoosh takes only events created in its Control Panel. */
export const MPARTICLE_CUSTOM_EVENTS = ["article_read", "add_to_wishlist", "level_up"] as const;

export const MPARTICLE_EVENTS_PER_REQUEST = (iosSample.events as unknown[]).length + 3;

/** mParticle's heartbeat: an event_processing_request with no events and no user. */
export function mparticleHeartbeat(): Json {
  const { user_identities: _ids, user_attributes: _attributes, mpid: _mpid, ...rest } = configuredRequest();
  return { ...rest, timestamp_ms: Date.now(), events: [] };
}

export interface BrazeBatchOptions {
  size?: number;
  users?: number;
  /** When given, event n gets platform n mod length (else the sample's own). */
  platforms?: readonly string[];
}

/** A Currents body of `size` events cycling through three types, each with a fresh id and an external user id. */
export function brazeCurrentsBatch(sequence: number, options: BrazeBatchOptions = {}): { events: Json[] } {
  const { size = BRAZE_BATCH_SIZE, users = BENCH_USERS, platforms } = options;
  const time = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: size }, (_, index) => {
    const event = structuredClone(brazeSamples[index % brazeSamples.length] as Json);
    const n = sequence * size + index;
    const platform = platforms?.[n % platforms.length];
    return {
      ...event,
      id: randomUUID(),
      time,
      ...(platform ? { properties: { ...(event.properties as Json), platform } } : {}),
      user: { ...(event.user as Json), external_user_id: `bench-user-${n % users}` },
    };
  });
  return { events };
}

const webhookSample = readJson(WEBHOOK_FIXTURES, "json-reference-master-sample.json");
const webhookEvents = readJson(WEBHOOK_FIXTURES, "json-reference-events.json") as Record<string, Json>;

/**
 * One mParticle Webhook batch (the output's default: a batch per request): the JSON reference's Master
 * Sample (sessions, a state transition, a crash) with its custom event, screen view and push registration
 * samples, fresh `source_message_id`s and times, for user `bench-user-<sequence mod users>` with its own
 * mpid and IDFV.
 */
export function mparticleWebhookBatch(sequence: number, users = BENCH_USERS): Json {
  const batch = structuredClone(webhookSample);
  const user = sequence % users;
  const now = Date.now();
  const published = ["custom_event", "screen_view", "push_registration"].map((type) => webhookEvents[type]);
  const events = ([...(batch.events as Json[]), ...published] as Array<{ event_type: string; data: Json }>).map((event) => ({
    ...event,
    data: { ...event.data, source_message_id: randomUUID(), timestamp_unixtime_ms: now },
  }));
  return {
    ...batch,
    mpid: 1_000_000 + user,
    timestamp_unixtime_ms: now,
    user_identities: { ...(batch.user_identities as Json), customer_id: `bench-user-${user}` },
    device_info: { ...(batch.device_info as Json), ios_idfv: randomUUID().toUpperCase() },
    events,
  };
}
