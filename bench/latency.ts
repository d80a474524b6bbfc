import type { LocalStack } from "../infra/local/localStack.js";
import { cases, runCase, type BenchCase } from "./cases.js";
import { BRAZE_BATCH_SIZE } from "./payloads.js";
import { round, summarize } from "./stats.js";

/**
 * How fast ingest answers, over real HTTP against the local stack, as ratios to GET /health on the same
 * server in the same run. Requests of all cases are interleaved one by one, so each case meets the same
 * background load; the per-round medians show drift. With `streams` > 1 (`npm run bench -- --load N`) that
 * many clients share each round's slots and run at once, so the run sends as many requests as a quiet one.
 */

export const ROUNDS = 8;
/** Each slot sends one request per case due in it, in an order that rotates from slot to slot. */
export const SLOTS_PER_ROUND = 40;
export const WARMUP_PER_CASE = 30;
const END_TO_END_BATCHES = 10;
/** End-to-end runs per bench run: the spread of `e2e.throughput`. */
const END_TO_END_ROUNDS = 3;
const DRAIN_TIMEOUT_MS = 60_000;
const IDLE_BASELINE_REQUESTS = 200;

export interface MeasuredEntry {
  name: string;
  description: string;
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  p50ByRoundMs: number[];
  /** The p99 of each round's answers (all streams): how sure the p99 is. */
  p99ByRoundMs: number[];
}

export interface CaseResult extends MeasuredEntry {
  eventsPerRequest: number;
  ratioP50ToBaseline: number;
  ratioP95ToBaseline: number;
  ratioP99ToBaseline: number;
  /** Events accepted per second of sequential request time (one client, one request at a time). */
  eventsPerSecond?: number;
}

export interface EndToEnd {
  name: string;
  description: string;
  /** Of the round with the median throughput. */
  events: number;
  ingestSeconds: number;
  deliveredSeconds: number;
  /** Median over the rounds. */
  eventsPerSecond: number;
  eventsPerSecondByRound: number[];
}

export interface LatencyResult {
  baseline: MeasuredEntry;
  idleBaseline: MeasuredEntry;
  cases: CaseResult[];
  brazeJsonName: string;
  endToEnd: EndToEnd | { skipped: string };
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

type EndToEndRound = Omit<EndToEnd, "name" | "description" | "eventsPerSecondByRound">;

/** `streams` clients each post the batches back to back; timed until the Mixpanel sandbox holds every event. */
async function endToEndRound(stack: LocalStack, brazeCase: BenchCase, streams: number): Promise<EndToEndRound | { skipped: string }> {
  const mixpanel = stack.sandboxes.mixpanel;
  if (!mixpanel) return { skipped: "MIXPANEL_API_URL is set, so there is no Mixpanel sandbox to watch" };
  const events = streams * END_TO_END_BATCHES * brazeCase.mixpanelEventsPerRequest;
  const target = mixpanel.imported.length + events;
  const started = performance.now();
  await Promise.all(Array.from({ length: streams }, () => runCase(stack.apiUrl, brazeCase, END_TO_END_BATCHES)));
  const ingested = performance.now();
  if (!(await waitUntil(() => mixpanel.imported.length >= target, DRAIN_TIMEOUT_MS))) {
    return { skipped: `Mixpanel did not get all ${events} events within ${DRAIN_TIMEOUT_MS} ms` };
  }
  const seconds = (performance.now() - started) / 1000;
  return { events, ingestSeconds: round((ingested - started) / 1000), deliveredSeconds: round(seconds), eventsPerSecond: round(events / seconds, 1) };
}

/**
 * Braze batches posted on a drained stack, timed until the Mixpanel sandbox holds every event: ingest, SQS,
 * the Mixpanel worker and the sandbox together, END_TO_END_ROUNDS times. Every bench Braze event goes to Mixpanel.
 */
async function endToEnd(stack: LocalStack, brazeCase: BenchCase, alreadyPosted: number, streams: number): Promise<EndToEnd | { skipped: string }> {
  const mixpanel = stack.sandboxes.mixpanel;
  if (mixpanel && !(await waitUntil(() => mixpanel.imported.length >= alreadyPosted, DRAIN_TIMEOUT_MS))) {
    return { skipped: `the warm-up backlog did not drain within ${DRAIN_TIMEOUT_MS} ms` };
  }
  const rounds: EndToEndRound[] = [];
  for (let index = 0; index < END_TO_END_ROUNDS; index++) {
    const result = await endToEndRound(stack, brazeCase, streams);
    if ("skipped" in result) return result;
    rounds.push(result);
  }
  const byThroughput = [...rounds].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const median = byThroughput[Math.floor(byThroughput.length / 2)] as EndToEndRound;
  const who = streams > 1 ? `${streams} clients each posting` : "posted back to back:";
  return {
    name: "braze-currents-to-mixpanel",
    description: `${who} ${END_TO_END_BATCHES} Braze batches of ${BRAZE_BATCH_SIZE}, until the Mixpanel sandbox has all events; median of ${END_TO_END_ROUNDS} rounds`,
    ...median,
    eventsPerSecondByRound: rounds.map((r) => r.eventsPerSecond),
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function entry(benchCase: BenchCase, rounds: number[][]): MeasuredEntry {
  const all = summarize(rounds.flat());
  return {
    name: benchCase.name,
    description: benchCase.description,
    n: all.n,
    p50Ms: round(all.p50Ms),
    p95Ms: round(all.p95Ms),
    p99Ms: round(all.p99Ms),
    meanMs: round(all.meanMs),
    maxMs: round(all.maxMs),
    p50ByRoundMs: rounds.map((samples) => round(summarize(samples).p50Ms)),
    p99ByRoundMs: rounds.map((samples) => round(summarize(samples).p99Ms)),
  };
}

/** One slot of the interleaved schedule for one client; `offset` shifts its rotation so streams differ. */
async function scheduleSlot(apiUrl: string, all: BenchCase[], slot: number, offset: number, into: Map<BenchCase, number[]>): Promise<void> {
  for (const benchCase of rotate(all, slot + offset)) {
    if (slot % benchCase.every !== 0) continue;
    // Sent whether or not it is collected: `into.get(…)?.push(...(await …))` would skip the request itself.
    const durations = await runCase(apiUrl, benchCase, 1);
    into.get(benchCase)?.push(...durations);
  }
}

/** A round's slots shared among `streams` clients: each runs its own share of them, all at once. */
async function scheduleRound(apiUrl: string, all: BenchCase[], streams: number, into: Map<BenchCase, number[]>): Promise<void> {
  const share = Math.ceil(SLOTS_PER_ROUND / streams);
  await Promise.all(
    Array.from({ length: streams }, async (_, stream) => {
      for (let slot = stream * share; slot < Math.min(SLOTS_PER_ROUND, (stream + 1) * share); slot++) await scheduleSlot(apiUrl, all, slot, 0, into);
    }),
  );
}

export async function measureLatency(stack: LocalStack, streams: number, log: (line: string) => void): Promise<LatencyResult> {
  const { baseline, brazeJson, measured } = cases(stack);
  const all = [baseline, ...measured];
  // Before anything is queued: what the baseline costs when the workers have nothing to do.
  await runCase(stack.apiUrl, baseline, WARMUP_PER_CASE);
  const idleBaseline = entry({ ...baseline, name: `${baseline.name} (idle stack)`, description: "The baseline before any webhook was sent: no worker load" }, [
    await runCase(stack.apiUrl, baseline, IDLE_BASELINE_REQUESTS),
  ]);

  let mixpanelEvents = 0;
  for (const benchCase of all) {
    await runCase(stack.apiUrl, benchCase, WARMUP_PER_CASE);
    mixpanelEvents += WARMUP_PER_CASE * benchCase.mixpanelEventsPerRequest;
  }
  const e2e = await endToEnd(stack, brazeJson, mixpanelEvents, streams);

  const samples = new Map<BenchCase, number[][]>(all.map((benchCase) => [benchCase, []]));
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    const roundSamples = new Map<BenchCase, number[]>(all.map((benchCase) => [benchCase, []]));
    await scheduleRound(stack.apiUrl, all, streams, roundSamples);
    for (const [benchCase, durations] of roundSamples) samples.get(benchCase)?.push(durations);
    log(`round ${roundIndex + 1}/${ROUNDS} done`);
  }

  const baselineEntry = entry(baseline, samples.get(baseline) ?? []);
  const caseResults: CaseResult[] = measured.map((benchCase) => {
    const measuredEntry = entry(benchCase, samples.get(benchCase) ?? []);
    const result: CaseResult = {
      ...measuredEntry,
      eventsPerRequest: benchCase.eventsPerRequest,
      ratioP50ToBaseline: round(measuredEntry.p50Ms / baselineEntry.p50Ms, 2),
      ratioP95ToBaseline: round(measuredEntry.p95Ms / baselineEntry.p95Ms, 2),
      ratioP99ToBaseline: round(measuredEntry.p99Ms / baselineEntry.p99Ms, 2),
    };
    if (benchCase.eventsPerRequest > 0) result.eventsPerSecond = round((benchCase.eventsPerRequest * 1000) / measuredEntry.meanMs, 1);
    return result;
  });
  return { baseline: baselineEntry, idleBaseline, cases: caseResults, brazeJsonName: brazeJson.name, endToEnd: e2e };
}

/**
 * `streams` clients running the mixed schedule, unmeasured, until stopped: the shared machine of
 * `--load N` while the figures that do not time requests (per-event, counts, init) are measured.
 */
export function backgroundStreams(stack: LocalStack, streams: number): { stop(): Promise<void> } {
  const { baseline, measured } = cases(stack);
  const all = [baseline, ...measured];
  let running = true;
  let failure: unknown;
  const loops = Array.from({ length: streams }, async (_, stream) => {
    for (let slot = 0; running; slot++) {
      try {
        await scheduleSlot(stack.apiUrl, all, slot, stream, new Map());
      } catch (error) {
        // A kept-alive connection the server closed while the bench process was busy (the CDK synth blocks it
        // for seconds) resets on reuse: unmeasured load, so the stream goes on with its next slot.
        if ((error as { cause?: { code?: string } }).cause?.code !== "ECONNRESET") throw error;
      }
    }
  }).map((loop) =>
    loop.catch((error: unknown) => {
      failure ??= error;
      running = false;
    }),
  );
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      if (failure) throw failure;
    },
  };
}
