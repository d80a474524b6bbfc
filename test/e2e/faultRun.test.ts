import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { GetQueueAttributesCommand, type Message } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { DEFAULT_DLQ_SETTINGS } from "../../cli/dlq/context.js";
import { peekMessages } from "../../cli/dlq/reader.js";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import type { Fault } from "../../infra/local/sandboxes/sandbox.js";
import { logger } from "../../shared/observability.js";
import { DESTINATIONS, type Destination } from "../../shared/queue/definition.js";
import { brazeEvent, eventId, type RawBrazeEvent } from "../shared/sources/braze/factories.js";
import { waitFor } from "../support/waitFor.js";

/**
 * The fault run: 10,000 events across the three destinations while the sandboxes fail ~20% of calls
 * (429 with Retry-After, 500/503, timeouts, resets), mParticle has a 25-second outage, and a handful of
 * events are inherently invalid. Every event must end delivered or parked with its reason; after the
 * faults stop, `dlq redrive` delivers everything but the permanent failures.
 */
const BRAZE_BATCHES = 80; // × 100 events: push sends (→ mParticle and Mixpanel) and custom events (→ Mixpanel)
const MPARTICLE_REQUESTS = 40; // × 50 custom events → Pushwoosh postEvent
const MPARTICLE_EVENTS_PER_REQUEST = 50;
const PERMANENT_PER_DESTINATION = 3;
const OUTAGE_MS = 25_000;

const TRANSIENT_FAULTS: Fault[] = [
  { kind: "status", status: 429, retryAfterSeconds: 1 },
  { kind: "status", status: 500 },
  { kind: "status", status: 503 },
  { kind: "delay", ms: 1_500 },
  { kind: "reset" },
];

/** A seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Expected {
  ids: Record<Destination, Set<string>>;
  permanent: Record<Destination, Set<string>>;
  brazeBatches: RawBrazeEvent[][];
  mparticleRequests: unknown[];
}

function buildLoad(): Expected {
  const ids = { pushwoosh: new Set<string>(), mparticle: new Set<string>(), mixpanel: new Set<string>() };
  const permanent = { pushwoosh: new Set<string>(), mparticle: new Set<string>(), mixpanel: new Set<string>() };
  const brazeBatches: RawBrazeEvent[][] = [];
  let n = 0;
  for (let b = 0; b < BRAZE_BATCHES; b++) {
    const batch: RawBrazeEvent[] = [];
    for (let i = 0; i < 100; i++, n++) {
      const id = eventId(n);
      const options = { id, time: 1767225600 + n, externalUserId: `user-${n % 97}`, platform: ["ios", "android", "web"][n % 3] };
      if (n % 2 === 0) {
        batch.push(brazeEvent("users.messages.pushnotification.Send", options));
        ids.mparticle.add(id);
      } else {
        // Mixpanel's strict mode rejects event names over 255 characters: inherently permanent.
        const tooLong = n < 2 * PERMANENT_PER_DESTINATION;
        batch.push(brazeEvent("users.behaviors.CustomEvent", { ...options, properties: { name: tooLong ? "x".repeat(300) : `event ${n % 5}` } }));
        if (tooLong) permanent.mixpanel.add(id);
      }
      ids.mixpanel.add(id);
    }
    brazeBatches.push(batch);
  }
  const mparticleRequests: unknown[] = [];
  let seq = 0;
  for (let r = 0; r < MPARTICLE_REQUESTS; r++) {
    const events = Array.from({ length: MPARTICLE_EVENTS_PER_REQUEST }, () => {
      seq++;
      // Pushwoosh answers status_code 210 for event names over 32 characters: inherently permanent.
      const tooLong = seq <= PERMANENT_PER_DESTINATION;
      if (tooLong) permanent.pushwoosh.add(String(seq));
      ids.pushwoosh.add(String(seq));
      return {
        type: "custom_event",
        id: randomUUID(),
        timestamp_ms: 1767225600000 + seq,
        session_id: 1,
        name: tooLong ? "an event name far longer than thirty-two characters" : "fault_run",
        custom_event_type: "other",
        attributes: { seq: String(seq) },
      };
    });
    mparticleRequests.push({
      type: "event_processing_request",
      id: randomUUID(),
      timestamp_ms: 1767225600000,
      firehose_version: "2.7.0",
      account: { account_id: 1, account_settings: { applicationCode: "FAULT-RUN01", apiToken: "fault-run-device-token" } },
      mpid: String(1000 + r),
      user_identities: [{ type: "customer", encoding: "raw", value: `pw-user-${r}` }],
      runtime_environment: { type: "unknown", identities: [] },
      events,
    });
  }
  return { ids, permanent, brazeBatches, mparticleRequests };
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

interface LedgerRow {
  destination: Destination;
  expected: number;
  delivered: number;
  parked: Record<string, number>;
  lost: number;
  parkedIds: Map<string, string>;
}

describe("the fault run", () => {
  let stack: LocalStack;
  const load = buildLoad();

  beforeAll(async () => {
    // Thousands of expected retries and parkings: the ledger is the report, not the log.
    logger.setLogLevel("SILENT");
    stack = await startLocalStack({
      port: 0,
      sqsPort: 0,
      quiet: true,
      pollerConcurrency: 4,
      env: { RETRY_BASE_SECONDS: "1", PARTNER_TIMEOUT_MS: "1000" },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    logger.setLogLevel("ERROR");
  });

  function deliveredIds(destination: Destination): Set<string> {
    switch (destination) {
      case "mixpanel":
        return new Set(stack.sandboxes.mixpanel!.imported.map((event) => String(event.properties.$insert_id)));
      case "mparticle":
        return new Set(
          stack.sandboxes.mparticle!.accepted.flatMap(({ batch }) =>
            (batch.events as Array<{ data: { source_message_id: string } }>).map((event) => event.data.source_message_id),
          ),
        );
      case "pushwoosh":
        return new Set(stack.sandboxes.pushwoosh!.events.map((event) => String((event.attributes as Record<string, unknown>).seq)));
    }
  }

  async function queuesSettled(): Promise<boolean> {
    for (const destination of DESTINATIONS) {
      const { Attributes } = await stack.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.queueUrls[destination].queue,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
        }),
      );
      const inQueue = Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible) + Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0);
      if (inQueue > 0) return false;
    }
    return true;
  }

  async function ledger(): Promise<LedgerRow[]> {
    const rows: LedgerRow[] = [];
    for (const destination of DESTINATIONS) {
      const delivered = deliveredIds(destination);
      // The DLQ tooling's own peek: every message read once, then left in place for the redrive.
      const parkedMessages = await peekMessages(stack.sqs, stack.queueUrls[destination].dlq, { waitTimeSeconds: 0 });
      const parkedIds = new Map<string, string>();
      for (const message of parkedMessages) for (const id of sourceIdsOf(destination, message)) parkedIds.set(id, reasonOf(message));
      const expected = load.ids[destination];
      const parked: Record<string, number> = {};
      let lost = 0;
      for (const id of expected) {
        if (delivered.has(id)) continue;
        const reason = parkedIds.get(id);
        if (reason) parked[reason] = (parked[reason] ?? 0) + 1;
        else lost++;
      }
      rows.push({ destination, expected: expected.size, delivered: [...expected].filter((id) => delivered.has(id)).length, parked, lost, parkedIds });
    }
    return rows;
  }

  function print(title: string, rows: LedgerRow[]): void {
    const lines = rows.map(
      (row) =>
        `  ${row.destination.padEnd(10)} expected ${String(row.expected).padStart(5)}  delivered ${String(row.delivered).padStart(5)}  parked ${JSON.stringify(row.parked)}  lost ${row.lost}`,
    );
    const total = rows.reduce((sum, row) => sum + row.expected, 0);
    console.log(`${title} (${total} work items from ${BRAZE_BATCHES * 100 + MPARTICLE_REQUESTS * MPARTICLE_EVENTS_PER_REQUEST} events)\n${lines.join("\n")}`);
  }

  it("accounts for every event under faults, then delivers all but the permanent failures after a redrive", async () => {
    const { mixpanel, mparticle, pushwoosh } = stack.sandboxes;
    const random = seeded(20261124);
    mixpanel!.setFaultRate(0.2, TRANSIENT_FAULTS, { random });
    pushwoosh!.setFaultRate(0.2, TRANSIENT_FAULTS, { random });
    mparticle!.setFaultRate(1, [{ kind: "status", status: 503 }], { random });
    const outageEnds = setTimeout(() => mparticle!.setFaultRate(0.2, TRANSIENT_FAULTS, { random }), OUTAGE_MS);

    // Ingest: 80 Currents batches and 40 Firehose requests, a few at a time, every one answered 200.
    const requests = [
      ...load.brazeBatches.map((events) => () =>
        fetch(`${stack.apiUrl}/braze/currents`, {
          method: "POST",
          headers: { authorization: `Bearer ${stack.secrets.inbound.brazeToken}`, "content-type": "application/json" },
          body: JSON.stringify({ events }),
        }),
      ),
      ...load.mparticleRequests.map((body) => () =>
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

    await waitFor(async () => (await queuesSettled()) && (await queuesSettled()), 400_000, "all queues to drain");
    clearTimeout(outageEnds);
    const underFaults = await ledger();
    print("Ledger under faults", underFaults);

    for (const row of underFaults) {
      expect(row.lost, `${row.destination}: lost`).toBe(0);
      for (const id of load.permanent[row.destination]) expect(row.parkedIds.get(id), `${row.destination} ${id}`).toBe("permanent");
    }
    expect(underFaults.find((row) => row.destination === "mparticle")!.parked["retries-exhausted"]).toBeGreaterThan(0);
    const injected = [mixpanel!, pushwoosh!].flatMap((sandbox) => sandbox.calls.filter((call) => call.fault));
    expect(new Set(injected.map((call) => call.fault))).toEqual(new Set(["status", "delay", "reset"]));

    // The partners recover; ops redrive what can now succeed and leave the permanent failures parked.
    for (const sandbox of [mixpanel!, mparticle!, pushwoosh!]) sandbox.clearFaults();
    for (const destination of DESTINATIONS) {
      for (const reason of ["retries-exhausted", "receive-limit"]) {
        const output = new PassThrough();
        const io = { stdout: { write: (text: string) => output.write(text) }, stderr: { write: (text: string) => output.write(text) }, stdin: new PassThrough() };
        expect(await main(["dlq", "redrive", "--queue", destination, "--reason", reason], io, { ...DEFAULT_DLQ_SETTINGS, receiveWaitSeconds: 0 })).toBe(0);
      }
    }
    await waitFor(async () => (await queuesSettled()) && (await queuesSettled()), 120_000, "the redriven messages to drain");
    const afterRedrive = await ledger();
    print("Ledger after redrive", afterRedrive);

    for (const row of afterRedrive) {
      expect(row.lost, `${row.destination}: lost`).toBe(0);
      expect(row.delivered, `${row.destination}: delivered`).toBe(row.expected - load.permanent[row.destination].size);
      expect(row.parked).toEqual(load.permanent[row.destination].size > 0 ? { permanent: load.permanent[row.destination].size } : {});
    }
    // Mixpanel dedupes by $insert_id: the Braze id, so nothing arrived twice there however often it was sent.
    expect(mixpanel!.imported).toHaveLength(load.ids.mixpanel.size - load.permanent.mixpanel.size);
  }, 600_000);
});
