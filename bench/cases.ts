import { gzipSync } from "node:zlib";
import type { LocalStack } from "../infra/local/localStack.js";
import { BRAZE_BATCH_SIZE, MPARTICLE_EVENTS_PER_REQUEST, brazeCurrentsBatch, mparticleEventsRequest, mparticleHeartbeat } from "./payloads.js";

/** The latency cases: what each request is, and what its answer must be. */

export interface BenchRequest {
  path: string;
  init: RequestInit;
}

export interface BenchCase {
  name: string;
  description: string;
  /** Partner events in one request; 0 when the request carries none. */
  eventsPerRequest: number;
  /** Events the Mixpanel sandbox imports per request, once the workers are done. */
  mixpanelEventsPerRequest: number;
  /** Due in every n-th slot: ROUNDS × SLOTS_PER_ROUND / n measured requests in all. */
  every: number;
  build(sequence: number): BenchRequest;
  /** Throws when a 200 answer is not the one this request should get. */
  check(body: string): void;
}

interface Sample {
  ms: number;
  status: number;
  body: string;
}

function json(body: string): Record<string, unknown> {
  return JSON.parse(body) as Record<string, unknown>;
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export function cases(stack: LocalStack): { baseline: BenchCase; brazeJson: BenchCase; measured: BenchCase[] } {
  const mparticleHeaders = { authorization: `Token ${stack.secrets.inbound.mparticleToken}`, "content-type": "application/json" };
  const brazeHeaders = { authorization: `Bearer ${stack.secrets.inbound.brazeToken}`, "content-type": "application/json", "braze-currents-version": "1" };
  const firehose = (body: Record<string, unknown>): BenchRequest => ({
    path: "/mparticle/events",
    init: { method: "POST", headers: mparticleHeaders, body: JSON.stringify(body) },
  });
  const checkFirehose = (body: string) => expectEqual("mParticle answer type", json(body).type, "event_processing_response");
  const checkCurrents = (body: string) => {
    const summary = json(body);
    expectEqual("Braze events accepted", summary.events, BRAZE_BATCH_SIZE);
    expectEqual("Braze events rejected", summary.rejected, 0);
    expectEqual("Braze duplicates", summary.duplicates, 0);
  };
  const brazeJson: BenchCase = {
    name: "braze-currents-100",
    description: `POST /braze/currents, ${BRAZE_BATCH_SIZE} events, JSON`,
    eventsPerRequest: BRAZE_BATCH_SIZE,
    mixpanelEventsPerRequest: BRAZE_BATCH_SIZE,
    every: 2,
    build: (sequence) => ({ path: "/braze/currents", init: { method: "POST", headers: brazeHeaders, body: JSON.stringify(brazeCurrentsBatch(sequence)) } }),
    check: checkCurrents,
  };
  return {
    brazeJson,
    baseline: {
      name: "GET /health",
      description: "Same server and HTTP path, no handler work",
      eventsPerRequest: 0,
      mixpanelEventsPerRequest: 0,
      every: 1,
      build: () => ({ path: "/health", init: { method: "GET" } }),
      check: (body) => expectEqual("health status", json(body).status, "ok"),
    },
    measured: [
      {
        name: "mparticle-events",
        description: `POST /mparticle/events, iOS sample with ${MPARTICLE_EVENTS_PER_REQUEST} events and user attributes`,
        eventsPerRequest: MPARTICLE_EVENTS_PER_REQUEST,
        mixpanelEventsPerRequest: 0,
        every: 1,
        build: (sequence) => firehose(mparticleEventsRequest(sequence)),
        check: checkFirehose,
      },
      {
        name: "mparticle-heartbeat",
        description: "POST /mparticle/events with no events",
        eventsPerRequest: 0,
        mixpanelEventsPerRequest: 0,
        every: 1,
        build: () => firehose(mparticleHeartbeat()),
        check: checkFirehose,
      },
      brazeJson,
      {
        name: "braze-currents-100-gzip",
        description: `POST /braze/currents, ${BRAZE_BATCH_SIZE} events, gzip`,
        eventsPerRequest: BRAZE_BATCH_SIZE,
        mixpanelEventsPerRequest: BRAZE_BATCH_SIZE,
        every: 2,
        build: (sequence) => ({
          path: "/braze/currents",
          init: { method: "POST", headers: { ...brazeHeaders, "content-encoding": "gzip" }, body: gzipSync(JSON.stringify(brazeCurrentsBatch(sequence))) },
        }),
        check: checkCurrents,
      },
    ],
  };
}

/** One request, timed from the call to the last byte of the answer; the body is built before the clock starts. */
async function timedRequest(apiUrl: string, request: BenchRequest): Promise<Sample> {
  const started = performance.now();
  const response = await fetch(`${apiUrl}${request.path}`, request.init);
  const body = await response.text();
  return { ms: performance.now() - started, status: response.status, body };
}

let sequence = 0;

export async function runCase(apiUrl: string, benchCase: BenchCase, count: number): Promise<number[]> {
  const durations: number[] = [];
  for (let index = 0; index < count; index++) {
    const request = benchCase.build(sequence++);
    const sample = await timedRequest(apiUrl, request);
    if (sample.status !== 200) throw new Error(`${benchCase.name}: HTTP ${sample.status}: ${sample.body.slice(0, 500)}`);
    try {
      benchCase.check(sample.body);
    } catch (error) {
      throw new Error(`${benchCase.name}: unexpected answer: ${(error as Error).message}`, { cause: error });
    }
    durations.push(sample.ms);
  }
  return durations;
}
