import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import { GetQueueAttributesCommand, type Message } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { DEFAULT_DLQ_SETTINGS } from "../../cli/dlq/context.js";
import { peekMessages } from "../../cli/dlq/reader.js";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS } from "../../infra/local/sandboxes/pushwoosh.js";
import { seededRandom, type Fault, type FaultPlan, type PartnerSandbox, type RecordedCall } from "../../infra/local/sandboxes/sandbox.js";
import { IMPORT_LIMITS } from "../../shared/destinations/mixpanel/map.js";
import { BULK_LIMITS } from "../../shared/destinations/mparticle/schema.js";
import { toMparticlePayload } from "../../shared/flows/brazeToMparticle.js";
import { brazeEventSchema } from "../../shared/sources/braze/schema.js";
import { DESTINATIONS, MAX_RECEIVE_COUNT, type Destination } from "../../shared/queue/definition.js";
import { AUTH_BACKOFF_FACTOR } from "../../shared/config/settings.js";
import { brazeEvent, eventId, type RawBrazeEvent } from "../shared/sources/braze/factories.js";
import { acceptedIds } from "../support/partnerDeliveries.js";
import { CALL_HEADER, recordClientOutcomes, type ClientOutcomes } from "../support/clientOutcomes.js";
import { waitFor } from "../support/waitFor.js";
import { defined } from "../support/defined.js";
import { holdLogLevel } from "../support/logLevel.js";

/**
 * The fault run (docs/testing.md, "The fault run"): a short run without faults, then 10,000 events across
 * the three destinations while every sandbox follows its own replayable fault plan (401, 429 with
 * Retry-After, 500, 503, timeouts and resets before the partner processed the request, timeouts and
 * resets after it did). Deliveries are counted per id from the raw calls each sandbox received: every
 * event ends delivered or parked with its reason, an id is delivered more than once only where an answer
 * was lost after processing, and after `dlq redrive` everything but the permanent failures is delivered.
 */
const SEED = Number(process.env.FAULT_RUN_SEED ?? 20261124);
const BRAZE_BATCHES = 80; // × 100 events: push sends (→ mParticle and Mixpanel) and custom events (→ Mixpanel)
const MPARTICLE_REQUESTS = 40; // × 50 custom events → Pushwoosh postEvent
const MPARTICLE_EVENTS_PER_REQUEST = 50;
const PERMANENT_PER_DESTINATION = 3;
// Far above what even a loaded two-core machine takes to answer: the relay and the sandboxes share one
// event loop, and a client timeout that fires after the sandbox answered is a lost answer the sandbox
// cannot see. The held faults wait longer than this, so the client always gives up on them.
const PARTNER_TIMEOUT_MS = 5_000;
const HOLD_MS = PARTNER_TIMEOUT_MS + 500;
const RETRY_BASE_SECONDS = 1;

/** The fault kinds every destination meets (the schedules below guarantee each at least `perKind` times). */
const FAULT_KINDS = {
  "429": { kind: "status", status: 429, retryAfterSeconds: 1 },
  "500": { kind: "status", status: 500 },
  "503": { kind: "status", status: 503 },
  "timeout before processing": { kind: "delay", ms: HOLD_MS },
  "reset before processing": { kind: "reset" },
  "timeout after processing": { kind: "delay", ms: HOLD_MS, afterProcessing: true },
  "reset after processing": { kind: "reset", afterProcessing: true },
} as const satisfies Record<string, Fault>;
const UNAUTHORIZED: Fault = { kind: "status", status: 401 };
type FaultName = keyof typeof FAULT_KINDS | "401";

function faultName(fault: Fault): FaultName {
  if (fault.kind === "status") return String(fault.status) as FaultName;
  return `${fault.kind === "delay" ? "timeout" : "reset"} ${fault.afterProcessing ? "after" : "before"} processing`;
}

function hash32(...parts: Array<string | number>): number {
  return createHash("sha256").update(parts.join("\u001f")).digest().readUInt32BE(0);
}

/**
 * Pushwoosh gets one call per event, so a call's content names its logical request: faults are keyed on
 * it (same request, same fault sequence, whatever the concurrency). 10% of attempts fail; 2% of first
 * attempts get a 401 (first attempts only: the credential backoff is 30 times the base, a later 401 would
 * hold the run for minutes); 1% of requests are "doomed" and fail every attempt, so they exhaust their
 * retries and the redrive has work.
 */
function pushwooshPlan(seed: number): FaultPlan {
  // A held call holds its whole batch of ten for the timeout: the two timeout kinds weigh a quarter of the others.
  const kinds = Object.entries(FAULT_KINDS).flatMap(([name, fault]) => Array.from({ length: name.startsWith("timeout") ? 1 : 4 }, () => fault));
  return {
    seed,
    filter: (request) => request.path === "/json/1.3/postEvent",
    choose: (random, attempt, key) => {
      if (seededRandom(hash32(seed, "doomed", key))() < 0.01) return FAULT_KINDS["503"];
      if (attempt === 0 && random() < 0.02) return UNAUTHORIZED;
      return random() < 0.1 ? kinds[Math.floor(random() * kinds.length)] : undefined;
    },
  };
}

/**
 * mParticle and Mixpanel get batches the pollers fill as messages arrive, so the same events come in
 * different requests from run to run: their faults are keyed on the call index instead, from a finite
 * schedule: two 401s first (first attempts only, as above), an optional outage of consecutive 503s, then
 * each kind `perKind` times shuffled among `clean` calls, then no faults. `clean` comes from
 * cleanCallsBelow, so every run consumes the whole schedule whatever the batch sizes.
 */
function scheduleOf(seed: number, partner: string, options: ScheduleShape & { clean: number }): Array<Fault | undefined> {
  const random = seededRandom(hash32(seed, partner));
  const bag: Array<Fault | undefined> = [
    ...Object.values(FAULT_KINDS).flatMap((fault) => Array.from({ length: options.perKind }, () => fault)),
    ...Array.from({ length: options.clean }, () => undefined),
  ];
  for (let i = bag.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [bag[i], bag[j]] = [bag[j], bag[i]];
  }
  return [UNAUTHORIZED, UNAUTHORIZED, ...Array.from({ length: options.outage }, () => FAULT_KINDS["503"]), ...bag];
}

function scheduledPlan(seed: number, schedule: Array<Fault | undefined>): FaultPlan {
  return { seed, keyOf: () => "call", choose: (_random, callIndex) => schedule[callIndex] };
}

interface ScheduleShape {
  perKind: number;
  outage: number;
}

const MIXPANEL_SCHEDULE: ScheduleShape = { perKind: 1, outage: 0 };
// Sixty consecutive 503s: mParticle down for at least sixty probes of a second, four times the fifteen seconds
// five attempts' backoff spans (1 + 2 + 4 + 8 s): the worker pauses and holds, nothing is lost or parked for it.
const MPARTICLE_SCHEDULE: ScheduleShape = { perKind: 3, outage: 60 };
const PARTNER_PROBE_SECONDS = 1;
// Longer than the mParticle outage lasts from intake (sixty probes and the run's own pace), so its events are
// held, never parked. The doomed Pushwoosh requests that end up the only traffic look like an outage (every
// call 503, nothing else answered): they are held, and park `outage-exceeded` once older than this.
const RETRY_HOLD_SECONDS = 150;

/**
 * The clean calls a schedule may hold so that a run cannot end before consuming it, however the workers
 * batch. To finish, the relay must deliver or park every event. A call carries at most `perCall` events,
 * so the clean calls deliver at most clean × perCall of them, and an event is parked only after
 * MAX_RECEIVE_COUNT failed attempts, so the faulted calls park at most faulted × perCall / MAX_RECEIVE_COUNT.
 * With one clean call fewer than what covers the rest, some call must come after the schedule's last.
 * Larger batches only mean fewer calls, never fewer than this floor.
 */
function cleanCallsBelow(events: number, perCall: number, faulted: number): number {
  const parkable = Math.floor((faulted * perCall) / MAX_RECEIVE_COUNT);
  return Math.max(0, Math.ceil((events - parkable) / perCall) - 1);
}

/**
 * The most events one call can carry. Mixpanel caps the count per request. mParticle caps batches (one
 * per user) and bytes, not events, so the bound is its request size over the smallest event the relay's
 * own mapping makes of this load (a lower bound on each event's share of a request).
 */
function maxPerCall(destination: "mixpanel" | "mparticle", load: Load): number {
  if (destination === "mixpanel") return IMPORT_LIMITS.events;
  let smallest = Infinity;
  for (const batch of load.brazeBatches) {
    for (const raw of batch) {
      if (!load.ids.mparticle.has(raw.id)) continue;
      const event = brazeEventSchema.parse(raw);
      smallest = Math.min(smallest, Buffer.byteLength(JSON.stringify(toMparticlePayload(event, defined(event.user.external_user_id)).event)));
    }
  }
  return Math.floor(BULK_LIMITS.requestBytes / smallest);
}

function scheduleFor(destination: "mixpanel" | "mparticle", load: Load, shape: ScheduleShape): Array<Fault | undefined> {
  const faulted = 2 + shape.outage + shape.perKind * Object.keys(FAULT_KINDS).length;
  const events = load.ids[destination].size - load.permanent[destination].size;
  return scheduleOf(SEED, destination, { ...shape, clean: cleanCallsBelow(events, maxPerCall(destination, load), faulted) });
}

interface Load {
  ids: Record<Destination, Set<string>>;
  permanent: Record<Destination, Set<string>>;
  brazeBatches: RawBrazeEvent[][];
  mparticleRequests: Array<Record<string, unknown>>;
  /** What was sent, by destination and id, for the content check. */
  sent: Record<Destination, Map<string, Record<string, unknown>>>;
}

/** Ids from `firstEvent`: the no-fault run and the fault run use disjoint ranges. */
function buildLoad(brazeBatches: number, mparticleRequests: number, firstEvent: number): Load {
  const ids = { pushwoosh: new Set<string>(), mparticle: new Set<string>(), mixpanel: new Set<string>() };
  const permanent = { pushwoosh: new Set<string>(), mparticle: new Set<string>(), mixpanel: new Set<string>() };
  const sent = { pushwoosh: new Map(), mparticle: new Map(), mixpanel: new Map() } as Load["sent"];
  const load: Load = { ids, permanent, sent, brazeBatches: [], mparticleRequests: [] };
  let n = firstEvent;
  for (let b = 0; b < brazeBatches; b++) {
    const batch: RawBrazeEvent[] = [];
    for (let i = 0; i < 100; i++, n++) {
      const id = eventId(n);
      const options = { id, time: 1767225600 + n, externalUserId: `user-${n % 97}`, platform: ["ios", "android", "web"][n % 3] };
      let event: RawBrazeEvent;
      if (n % 2 === 0) {
        event = brazeEvent("users.messages.pushnotification.Send", options);
        ids.mparticle.add(id);
        sent.mparticle.set(id, { customerId: options.externalUserId, timestampMs: options.time * 1000 });
      } else {
        // Mixpanel's strict mode rejects event names over 255 characters: inherently permanent.
        const tooLong = n - firstEvent < 2 * PERMANENT_PER_DESTINATION;
        event = brazeEvent("users.behaviors.CustomEvent", { ...options, properties: { name: tooLong ? "x".repeat(300) : `event ${n % 5}` } });
        if (tooLong) permanent.mixpanel.add(id);
      }
      ids.mixpanel.add(id);
      sent.mixpanel.set(id, { distinct_id: options.externalUserId, time: options.time * 1000 });
      batch.push(event);
    }
    load.brazeBatches.push(batch);
  }
  for (let r = 0; r < mparticleRequests; r++) {
    const customer = `pw-user-${firstEvent + r}`;
    const events = Array.from({ length: MPARTICLE_EVENTS_PER_REQUEST }, (_, e) => {
      const seq = firstEvent + r * MPARTICLE_EVENTS_PER_REQUEST + e;
      // Pushwoosh answers status_code 210 for event names over 32 characters: inherently permanent.
      const tooLong = seq - firstEvent < PERMANENT_PER_DESTINATION;
      const name = tooLong ? "an event name far longer than thirty-two characters" : "fault_run";
      if (tooLong) permanent.pushwoosh.add(String(seq));
      ids.pushwoosh.add(String(seq));
      const timestampMs = 1767225600000 + seq;
      // The relay types mParticle's string attributes (an integer string becomes a number).
      sent.pushwoosh.set(String(seq), { userId: customer, event: name, attributes: { seq }, timestampUTC: Math.floor(timestampMs / 1000) });
      // Ids derived from the sequence, so the same load is sent byte for byte in every run.
      return {
        type: "custom_event",
        id: eventId(900_000_000 + seq),
        timestamp_ms: timestampMs,
        session_id: 1,
        name,
        custom_event_type: "other",
        attributes: { seq: String(seq) },
      };
    });
    load.mparticleRequests.push({
      type: "event_processing_request",
      id: eventId(800_000_000 + firstEvent + r),
      timestamp_ms: 1767225600000,
      firehose_version: "2.7.0",
      account: { account_id: 1, account_settings: { ...DEVELOPMENT_PUSHWOOSH_CREDENTIALS } },
      mpid: String(1000 + r),
      user_identities: [{ type: "customer", encoding: "raw", value: customer }],
      runtime_environment: { type: "unknown", identities: [] },
      events,
    });
  }
  return load;
}

type Json = Record<string, unknown>;

/** Every id a call carried, accepted or not (for the 401 accounting). */
function carriedIds(destination: Destination, call: RecordedCall): string[] {
  const json = call.json;
  switch (destination) {
    case "pushwoosh":
      return call.path === "/json/1.3/postEvent" ? [String(((json as Json).request as Json & { attributes: Json }).attributes.seq)] : [];
    case "mparticle":
      return (json as Array<{ events: Array<{ data: { source_message_id: string } }> }>).flatMap((batch) =>
        batch.events.map((event) => event.data.source_message_id),
      );
    case "mixpanel":
      return (json as Array<{ properties: { $insert_id: string } }>).map((event) => event.properties.$insert_id);
  }
}

/** An id's calls, one line each, for a failure message. */
function historyOf(destination: Destination, calls: readonly RecordedCall[], id: string, client: ClientOutcomes): string {
  return calls
    .filter((call) => carriedIds(destination, call).includes(id))
    .map(
      (call) =>
        `${new Date(call.at).toISOString().slice(11, 23)} ${call.status}${call.fault ? ` (${faultName(call.fault)})` : ""} partner answered ${call.answer?.status ?? "-"}${client.failed(call.headers[CALL_HEADER]) ? ", relay gave up" : ""}`,
    )
    .join("; ");
}

/**
 * The partner processed the request but the relay never got the answer: the sandbox dropped or held it,
 * or the relay's own timeout fired first (on a loaded machine, even after the sandbox answered).
 */
function answerLost(call: RecordedCall, client: ClientOutcomes): boolean {
  return call.answer !== undefined && (call.status === "reset" || client.failed(call.headers[CALL_HEADER]));
}

interface Deliveries {
  /** Per id: how often the partner accepted it, and how many of those acceptances the relay never heard of. */
  perId: Map<string, { accepted: number; lost: number; firstCall: RecordedCall }>;
  duplicates: number;
  /** The documented bound: one extra delivery per id for each lost answer that carried it. */
  bound: number;
  /** Calls the sandbox answered in full but the relay gave up on (its own timeout): no fault injected. */
  relayGaveUp: number;
}

function countDeliveries(destination: Destination, calls: readonly RecordedCall[], ids: Set<string>, client: ClientOutcomes): Deliveries {
  const perId = new Map<string, { accepted: number; lost: number; firstCall: RecordedCall }>();
  for (const call of calls) {
    for (const id of acceptedIds(destination, call)) {
      if (!ids.has(id)) continue;
      const entry = perId.get(id) ?? { accepted: 0, lost: 0, firstCall: call };
      entry.accepted++;
      if (answerLost(call, client)) entry.lost++;
      perId.set(id, entry);
    }
  }
  let duplicates = 0;
  let bound = 0;
  for (const { accepted, lost } of perId.values()) {
    duplicates += accepted - 1;
    bound += lost;
  }
  const relayGaveUp = calls.filter((call) => call.answer !== undefined && call.status !== "reset" && client.failed(call.headers[CALL_HEADER])).length;
  return { perId, duplicates, bound, relayGaveUp };
}

/** The delivered content of an id, as the destination's comparison with what was sent needs it. */
function deliveredContent(destination: Destination, call: RecordedCall, id: string): Json {
  switch (destination) {
    case "pushwoosh": {
      const { userId, event, attributes, timestampUTC, application } = (call.json as { request: Json }).request;
      return { userId, event, attributes, timestampUTC, application };
    }
    case "mparticle": {
      const batch = (call.json as Array<{ user_identities: Json; events: Array<{ data: Json }> }>).find((candidate) =>
        candidate.events.some((event) => event.data.source_message_id === id),
      );
      const event = batch?.events.find((candidate) => candidate.data.source_message_id === id);
      return { customerId: batch?.user_identities.customer_id, timestampMs: event?.data.timestamp_unixtime_ms };
    }
    case "mixpanel": {
      const event = (call.json as Array<{ properties: Json }>).find((candidate) => candidate.properties.$insert_id === id);
      return { distinct_id: event?.properties.distinct_id, time: event?.properties.time };
    }
  }
}

function sandboxOf(stack: LocalStack, destination: Destination): PartnerSandbox {
  const sandbox = stack.sandboxes[destination];
  if (!sandbox) throw new Error(`the ${destination} sandbox is not running`);
  return sandbox;
}

/** The source ids a parked message stands for: its events, as the ledger counts them. */
function sourceIdsOf(destination: Destination, message: Message): string[] {
  const { events } = JSON.parse(message.Body ?? "{}") as { events: Array<{ id: string; event: Record<string, unknown> }> };
  return events.map(({ id, event }) => (destination === "pushwoosh" ? String((event.attributes as Record<string, unknown>).seq) : id));
}

function reasonOf(message: Message): string {
  const failure = message.MessageAttributes?.failure?.StringValue;
  return failure ? (JSON.parse(failure) as { reason: string }).reason : "receive-limit";
}

/**
 * At least once: an id may be delivered again only after a lost answer for a call that delivered it.
 * The ids delivered more often than that, each with its call history.
 */
function unexplainedExtraDeliveries(row: LedgerRow, calls: readonly RecordedCall[], client: ClientOutcomes): string[] {
  return [...row.deliveries.perId]
    .filter(([, entry]) => entry.accepted - 1 > entry.lost)
    .map(([id]) => `${id}: ${historyOf(row.destination, calls, id, client)}`);
}

interface LedgerRow {
  destination: Destination;
  expected: number;
  delivered: number;
  parked: Record<string, number>;
  lost: number;
  parkedIds: Map<string, string>;
  deliveries: Deliveries;
}

describe("the fault run", () => {
  let stack: LocalStack;
  let client: ClientOutcomes;
  let restoreLogLevel: (() => void) | undefined;

  beforeAll(async () => {
    // Thousands of expected retries and parkings: the ledger is the report, not the log.
    restoreLogLevel = holdLogLevel("SILENT");
    stack = await startLocalStack({
      port: 0,
      sqsPort: 0,
      quiet: true,
      // Pushwoosh gets one call per event and a held call holds its whole batch: enough batches at once.
      pollerConcurrency: 8,
      env: {
        RETRY_BASE_SECONDS: String(RETRY_BASE_SECONDS),
        PARTNER_TIMEOUT_MS: String(PARTNER_TIMEOUT_MS),
        PARTNER_PROBE_SECONDS: String(PARTNER_PROBE_SECONDS),
        RETRY_HOLD_SECONDS: String(RETRY_HOLD_SECONDS),
      },
    });
    // postEvent takes only events created in Pushwoosh's Control Panel.
    stack.sandboxes.pushwoosh?.createEvents("fault_run");
    const sandboxUrls = Object.values(stack.sandboxes).map((sandbox) => sandbox.url);
    client = recordClientOutcomes((url) => sandboxUrls.some((base) => url.startsWith(base)));
  });
  afterAll(async () => {
    client?.restore();
    await stack?.stop();
    restoreLogLevel?.();
  });

  async function ingest(load: Load): Promise<void> {
    const requests = [
      ...load.brazeBatches.map(
        (events) => () =>
          fetch(`${stack.apiUrl}/braze/currents`, {
            method: "POST",
            headers: { authorization: `Bearer ${stack.secrets.inbound.brazeToken}`, "content-type": "application/json" },
            body: JSON.stringify({ events }),
          }),
      ),
      ...load.mparticleRequests.map(
        (body) => () =>
          fetch(`${stack.apiUrl}/mparticle/events`, {
            method: "POST",
            headers: { authorization: `Token ${stack.secrets.inbound.mparticleToken}`, "content-type": "application/json" },
            body: JSON.stringify(body),
          }),
      ),
    ];
    const statuses: number[] = [];
    for (let index = 0; index < requests.length; index += 4) {
      const answers = await Promise.all(requests.slice(index, index + 4).map((send) => send()));
      statuses.push(...answers.map((answer) => answer.status));
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  }

  async function queuesSettled(): Promise<boolean> {
    for (const destination of DESTINATIONS) {
      const { Attributes } = await stack.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.queueUrls[destination].queue,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
        }),
      );
      const inQueue =
        Number(Attributes?.ApproximateNumberOfMessages) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible) +
        Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0);
      if (inQueue > 0) return false;
    }
    return true;
  }

  const drained = (timeoutMs: number, what: string) => waitFor(async () => (await queuesSettled()) && (await queuesSettled()), timeoutMs, what);

  async function ledger(load: Load): Promise<LedgerRow[]> {
    const rows: LedgerRow[] = [];
    for (const destination of DESTINATIONS) {
      const deliveries = countDeliveries(destination, sandboxOf(stack, destination).calls, load.ids[destination], client);
      // The DLQ tooling's own peek: every message read once, then left in place for the redrive.
      const parkedMessages = await peekMessages(stack.sqs, stack.queueUrls[destination].dlq, { waitTimeSeconds: 0 });
      const parkedIds = new Map<string, string>();
      for (const message of parkedMessages) for (const id of sourceIdsOf(destination, message)) parkedIds.set(id, reasonOf(message));
      const parked: Record<string, number> = {};
      let delivered = 0;
      let lost = 0;
      for (const id of load.ids[destination]) {
        if (deliveries.perId.has(id)) delivered++;
        else if (parkedIds.has(id)) parked[defined(parkedIds.get(id))] = (parked[defined(parkedIds.get(id))] ?? 0) + 1;
        else lost++;
      }
      rows.push({ destination, expected: load.ids[destination].size, delivered, parked, lost, parkedIds, deliveries });
    }
    return rows;
  }

  function print(title: string, rows: LedgerRow[]): void {
    const lines = rows.map(
      (row) =>
        `  ${row.destination.padEnd(10)} expected ${String(row.expected).padStart(5)}  delivered ${String(row.delivered).padStart(5)}  ` +
        `duplicates ${row.deliveries.duplicates} (bound ${row.deliveries.bound}, relay gave up on ${row.deliveries.relayGaveUp} answered calls)  parked ${JSON.stringify(row.parked)}  lost ${row.lost}`,
    );
    console.log(`${title}\n${lines.join("\n")}`);
  }

  /** Each delivered id must carry what was sent, in every one of its deliveries. */
  function checkContent(load: Load, rows: LedgerRow[]): void {
    for (const row of rows) {
      const delivered = [...row.deliveries.perId.keys()];
      const sample = delivered.filter((_, index) => index % Math.max(1, Math.floor(delivered.length / 20)) === 0);
      expect(sample.length, `${row.destination}: content sample`).toBeGreaterThanOrEqual(10);
      for (const id of sample) {
        const calls = sandboxOf(stack, row.destination).calls.filter((call) => acceptedIds(row.destination, call).includes(id));
        for (const call of calls) {
          const content = deliveredContent(row.destination, call, id);
          const expected = defined(load.sent[row.destination].get(id));
          expect(content, `${row.destination} ${id}`).toMatchObject(expected);
          if (row.destination === "pushwoosh") expect(content.application).toBe(DEVELOPMENT_PUSHWOOSH_CREDENTIALS.applicationCode);
        }
      }
    }
  }

  it("delivers a short run without faults exactly once, with the content that was sent", async () => {
    const load = buildLoad(2, 2, 1_000_000);
    await ingest(load);
    await drained(60_000, "the no-fault run to drain");
    const rows = await ledger(load);
    print("No-fault run", rows);

    for (const row of rows) {
      expect(row.lost, `${row.destination}: lost`).toBe(0);
      expect(row.delivered, `${row.destination}: delivered`).toBe(row.expected - load.permanent[row.destination].size);
      expect(
        unexplainedExtraDeliveries(row, sandboxOf(stack, row.destination).calls, client),
        `${row.destination}: delivered more than once without faults`,
      ).toEqual([]);
      expect([...row.deliveries.perId.values()].every((entry) => entry.accepted === 1)).toBe(true);
    }
    checkContent(load, rows);
  }, 120_000);

  it("accounts for every event under replayable faults, bounds the duplicates, then redrives all but the permanent failures", async () => {
    const load = buildLoad(BRAZE_BATCHES, MPARTICLE_REQUESTS, 0);
    const schedules = { mixpanel: scheduleFor("mixpanel", load, MIXPANEL_SCHEDULE), mparticle: scheduleFor("mparticle", load, MPARTICLE_SCHEDULE) };
    const plans: Record<Destination, FaultPlan> = {
      pushwoosh: pushwooshPlan(SEED),
      mixpanel: scheduledPlan(SEED, schedules.mixpanel),
      mparticle: scheduledPlan(SEED, schedules.mparticle),
    };
    const firstCall = Object.fromEntries(DESTINATIONS.map((destination) => [destination, sandboxOf(stack, destination).calls.length])) as Record<
      Destination,
      number
    >;
    for (const destination of DESTINATIONS) sandboxOf(stack, destination).setFaultPlan(plans[destination]);
    const callsOf = (destination: Destination) => sandboxOf(stack, destination).calls.slice(firstCall[destination]);

    await ingest(load);
    await drained(600_000, "all queues to drain");
    const underFaults = await ledger(load);
    print(`Ledger under faults (seed ${SEED})`, underFaults);

    // The faults each sandbox injected, by kind: the replay evidence (same seed, same counts).
    const injected = Object.fromEntries(
      DESTINATIONS.map((destination) => {
        const counts: Partial<Record<FaultName, number>> = {};
        for (const call of callsOf(destination)) if (call.fault) counts[faultName(call.fault)] = (counts[faultName(call.fault)] ?? 0) + 1;
        return [destination, counts];
      }),
    ) as Record<Destination, Partial<Record<FaultName, number>>>;
    console.log(
      `Faults injected (seed ${SEED}): ${JSON.stringify(injected)}; calls/schedule: mixpanel ${callsOf("mixpanel").length}/${schedules.mixpanel.length}, mparticle ${callsOf("mparticle").length}/${schedules.mparticle.length}`,
    );
    for (const destination of ["mixpanel", "mparticle"] as const) {
      const planned: Partial<Record<FaultName, number>> = {};
      for (const fault of schedules[destination]) if (fault) planned[faultName(fault)] = (planned[faultName(fault)] ?? 0) + 1;
      expect(callsOf(destination).length, `${destination}: calls, to consume the whole schedule`).toBeGreaterThanOrEqual(schedules[destination].length);
      expect(injected[destination], `${destination}: the scheduled faults, exactly`).toEqual(planned);
    }
    for (const destination of DESTINATIONS) {
      const perKind = destination === "pushwoosh" ? 5 : destination === "mixpanel" ? MIXPANEL_SCHEDULE.perKind : MPARTICLE_SCHEDULE.perKind;
      for (const name of Object.keys(FAULT_KINDS) as FaultName[])
        expect(injected[destination][name] ?? 0, `${destination}: ${name}`).toBeGreaterThanOrEqual(perKind);
      expect(injected[destination]["401"] ?? 0, `${destination}: 401`).toBeGreaterThanOrEqual(2);
    }

    for (const row of underFaults) {
      expect(row.lost, `${row.destination}: lost`).toBe(0);
      for (const id of load.permanent[row.destination]) expect(row.parkedIds.get(id), `${row.destination} ${id}`).toBe("permanent");
      // At least once: an id is delivered again only after a lost answer for a call that delivered it.
      expect(unexplainedExtraDeliveries(row, callsOf(row.destination), client), `${row.destination}: delivered again without a lost answer`).toEqual([]);
      expect(row.deliveries.duplicates).toBeLessThanOrEqual(row.deliveries.bound);
    }
    // The doomed Pushwoosh requests failed five times among answered calls (retries-exhausted), or were held as
    // an outage once they were all that was left (outage-exceeded): parked either way, to be redriven.
    const pushwooshParked = defined(underFaults.find((row) => row.destination === "pushwoosh")).parked;
    expect((pushwooshParked["retries-exhausted"] ?? 0) + (pushwooshParked["outage-exceeded"] ?? 0)).toBeGreaterThan(0);
    // The mParticle outage, sixty calls long, was held through: nothing of it parked.
    expect(defined(underFaults.find((row) => row.destination === "mparticle")).parked["outage-exceeded"] ?? 0).toBe(0);

    // Credential failures: every id a 401 turned away is delivered (or parked "credentials" by the retry
    // policy), and it came back no sooner than the credential backoff allows.
    const minimumAuthBackoffMs = (AUTH_BACKOFF_FACTOR * RETRY_BASE_SECONDS * 1000) / 2;
    for (const row of underFaults) {
      const calls = callsOf(row.destination);
      const refused = calls.filter((call) => call.fault?.kind === "status" && call.fault.status === 401);
      const refusedIds = new Set(refused.flatMap((call) => carriedIds(row.destination, call)));
      expect(refusedIds.size, `${row.destination}: ids refused with 401`).toBeGreaterThan(0);
      for (const id of refusedIds) {
        expect(
          row.deliveries.perId.has(id) || row.parkedIds.get(id) === "credentials" || load.permanent[row.destination].has(id),
          `${row.destination} ${id} after a 401`,
        ).toBe(true);
      }
      // A 401 the relay never heard (its own timeout fired first on a loaded machine) was retried as a
      // timeout, with the ordinary backoff: only the 401s it received must hold the credential backoff.
      for (const call of refused.filter((refusal) => !client.failed(refusal.headers[CALL_HEADER]))) {
        const [id] = carriedIds(row.destination, call);
        const next = calls.find((later) => later.at > call.at && carriedIds(row.destination, later).includes(defined(id)));
        if (next)
          expect(
            next.at - call.at,
            `${row.destination} ${id}: retry after a 401 (${historyOf(row.destination, calls, defined(id), client)})`,
          ).toBeGreaterThanOrEqual(minimumAuthBackoffMs);
      }
    }
    checkContent(load, underFaults);

    // The partners recover; ops redrive what can now succeed and leave the permanent failures parked.
    for (const destination of DESTINATIONS) sandboxOf(stack, destination).clearFaults();
    for (const destination of DESTINATIONS) {
      for (const reason of ["retries-exhausted", "outage-exceeded", "credentials", "receive-limit"]) {
        const output = new PassThrough();
        const io = {
          stdout: { write: (text: string) => output.write(text) },
          stderr: { write: (text: string) => output.write(text) },
          stdin: new PassThrough(),
        };
        expect(await main(["dlq", "redrive", "--queue", destination, "--reason", reason], io, { ...DEFAULT_DLQ_SETTINGS, receiveWaitSeconds: 0 })).toBe(0);
      }
    }
    await drained(120_000, "the redriven messages to drain");
    const afterRedrive = await ledger(load);
    print("Ledger after redrive", afterRedrive);

    for (const row of afterRedrive) {
      expect(row.lost, `${row.destination}: lost`).toBe(0);
      expect(row.delivered, `${row.destination}: delivered`).toBe(row.expected - load.permanent[row.destination].size);
      expect(row.parked).toEqual(load.permanent[row.destination].size > 0 ? { permanent: load.permanent[row.destination].size } : {});
      expect(unexplainedExtraDeliveries(row, callsOf(row.destination), client), `${row.destination}: delivered again without a lost answer`).toEqual([]);
    }
  }, 900_000);
});
