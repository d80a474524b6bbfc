import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { startLocalStack, type LocalStack } from "../infra/local/localStack.js";
import { measurePartnerOutageAndRate, type OutageFigure, type RateFigure } from "./partnerOutage.js";
import {
  BRAZE_BATCH_SIZE,
  MPARTICLE_CUSTOM_EVENTS,
  MPARTICLE_EVENTS_PER_REQUEST,
  brazeCurrentsBatch,
  mparticleEventsRequest,
  mparticleHeartbeat,
} from "./payloads.js";
import { round, summarize } from "./stats.js";
import { measureBundles, type BundleFigure } from "./bundles.js";
import type { MicroFigure } from "./micro.js";
import { countRequests, type RequestsResult } from "./requests.js";

/**
 * How fast ingest answers, over real HTTP against the local stack, as ratios to GET /health on the same
 * server in the same run. Requests of all cases are interleaved one by one, so each case meets the same
 * background load (the workers share this process); the per-round medians show drift.
 */

const RESULTS_FILE = new URL("./results.json", import.meta.url);
/** mParticle's budget for answering a Firehose call. */
const TARGET_MS = 100;
const ROUNDS = 8;
/** Each slot sends one request per case due in it, in an order that rotates from slot to slot. */
const SLOTS_PER_ROUND = 40;
const WARMUP_PER_CASE = 30;
const POLLER_CONCURRENCY = 2;
const END_TO_END_BATCHES = 10;
const DRAIN_TIMEOUT_MS = 60_000;
const IDLE_BASELINE_REQUESTS = 200;

interface BenchRequest {
  path: string;
  init: RequestInit;
}

interface BenchCase {
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

function cases(stack: LocalStack): { baseline: BenchCase; brazeJson: BenchCase; measured: BenchCase[] } {
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

async function runCase(apiUrl: string, benchCase: BenchCase, count: number): Promise<number[]> {
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

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

interface EndToEnd {
  name: string;
  description: string;
  events: number;
  ingestSeconds: number;
  deliveredSeconds: number;
  eventsPerSecond: number;
}

/**
 * Braze batches posted back to back on a drained stack, timed until the Mixpanel sandbox holds every event:
 * ingest, SQS, the Mixpanel worker and the sandbox together. Every bench Braze event is routed to Mixpanel.
 */
async function endToEnd(stack: LocalStack, brazeCase: BenchCase, alreadyPosted: number): Promise<EndToEnd | { skipped: string }> {
  const mixpanel = stack.sandboxes.mixpanel;
  if (!mixpanel) return { skipped: "MIXPANEL_API_URL is set, so there is no Mixpanel sandbox to watch" };
  if (!(await waitUntil(() => mixpanel.imported.length >= alreadyPosted, DRAIN_TIMEOUT_MS))) {
    return { skipped: `the warm-up backlog did not drain within ${DRAIN_TIMEOUT_MS} ms` };
  }
  const events = END_TO_END_BATCHES * brazeCase.mixpanelEventsPerRequest;
  const target = mixpanel.imported.length + events;
  const started = performance.now();
  await runCase(stack.apiUrl, brazeCase, END_TO_END_BATCHES);
  const ingested = performance.now();
  if (!(await waitUntil(() => mixpanel.imported.length >= target, DRAIN_TIMEOUT_MS))) {
    return { skipped: `Mixpanel did not get all ${events} events within ${DRAIN_TIMEOUT_MS} ms` };
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    name: "braze-currents-to-mixpanel",
    description: `${END_TO_END_BATCHES} Braze batches of ${BRAZE_BATCH_SIZE} posted back to back, until the Mixpanel sandbox has all events`,
    events,
    ingestSeconds: round((ingested - started) / 1000),
    deliveredSeconds: round(seconds),
    eventsPerSecond: round(events / seconds, 1),
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function pad(value: string, width: number, left = false): string {
  return left ? value.padEnd(width) : value.padStart(width);
}

function printTable(results: BenchResults): void {
  const header = ["case", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "p50 ×base", "p95 ×base", "events/s", `p99<${TARGET_MS}ms`];
  const rows = [
    [results.baseline.name, results.baseline.n, results.baseline.p50Ms, results.baseline.p95Ms, results.baseline.p99Ms, results.baseline.maxMs, 1, 1, "", ""],
    ...results.cases.map((c) => [
      c.name,
      c.n,
      c.p50Ms,
      c.p95Ms,
      c.p99Ms,
      c.maxMs,
      c.ratioP50ToBaseline,
      c.ratioP95ToBaseline,
      c.eventsPerSecond ?? "",
      c.p99Ms < TARGET_MS ? "yes" : "NO",
    ]),
  ].map((row) => row.map((cell, index) => (typeof cell === "number" ? cell.toFixed(index === 1 || index === 8 ? 0 : 2) : cell)));
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => String(row[index]).length)));
  const line = (cells: string[]) => cells.map((cell, index) => pad(cell, widths[index] ?? 0, index === 0)).join("  ");
  console.log(line(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row.map(String)));
  console.log("\nmedian per round (ms), to show drift:");
  for (const entry of [results.baseline, ...results.cases]) {
    console.log(`  ${pad(entry.name, widths[0] ?? 0, true)}  ${entry.p50ByRoundMs.map((value) => value.toFixed(2)).join(" ")}`);
  }
  const idle = results.idleBaseline;
  console.log(
    `\n${idle.name}: p50 ${idle.p50Ms.toFixed(2)} ms, p95 ${idle.p95Ms.toFixed(2)} ms, p99 ${idle.p99Ms.toFixed(2)} ms (n ${idle.n}); the baseline above shares the process with busy workers`,
  );
  if ("skipped" in results.endToEnd) console.log(`\nend-to-end delivery: skipped (${results.endToEnd.skipped})`);
  else {
    const e2e = results.endToEnd;
    console.log(
      `\nend-to-end delivery: ${e2e.events} Braze events to the Mixpanel sandbox in ${e2e.deliveredSeconds.toFixed(2)} s (ingest ${e2e.ingestSeconds.toFixed(2)} s): ${e2e.eventsPerSecond} events/s`,
    );
  }
}

interface MeasuredEntry {
  name: string;
  description: string;
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  p50ByRoundMs: number[];
}

interface CaseResult extends MeasuredEntry {
  eventsPerRequest: number;
  ratioP50ToBaseline: number;
  ratioP95ToBaseline: number;
  ratioP99ToBaseline: number;
  /** Events accepted per second of sequential request time (one client, one request at a time). */
  eventsPerSecond?: number;
}

/** One figure of the issue-13 table: value beside its floor (or minimum) and the goal. */
interface Figure {
  name: string;
  description: string;
  value: number;
  unit: string;
  /** Same-run floor (µs/event of JSON.parse + JSON.stringify) or, for requests, the minimum the limits allow; null when none applies. */
  floor: number | null;
  /** value ÷ floor; null without a floor. */
  ratio: number | null;
  /** The largest acceptable ratio when there is a floor, else the largest acceptable value; null when the issue sets none. */
  goal: number | null;
  /** Whether the goal is met (ratio or value ≤ goal; for e2e.p99, value < goal); null without a goal. */
  met: boolean | null;
}

/** The shape of bench/results.json; add fields, never rename or remove them. */
interface BenchResults {
  schemaVersion: 2;
  generatedAt: string;
  node: string;
  machine: { cpus: number; model: string; platform: string; arch: string; memoryGb: number };
  settings: { rounds: number; slotsPerRound: number; warmupPerCase: number; pollerConcurrency: number; targetMs: number; percentiles: string };
  /** Measured under the same load as the cases; every ratio is to this. */
  baseline: MeasuredEntry;
  /** For context only: the baseline with no worker load. */
  idleBaseline: MeasuredEntry;
  cases: CaseResult[];
  endToEnd: EndToEnd | { skipped: string };
  /** 1-, 5- and 15-minute load averages when the run started and ended: the machine is shared. */
  load: { start: number[]; end: number[] };
  figures: Figure[];
  /** Details behind the requests.* figures. */
  requests: Omit<RequestsResult, "counts">;
  /** Details behind the bundle.* and init.* figures. */
  bundles: BundleFigure[];
  /** A partner down, then back: `outage.recovery_seconds` (also a figure) and what it was measured on. */
  outage: OutageFigure;
  /** A partner enforcing a rate during a backlog: `rate.utilisation` (also a figure) and what it was measured on. */
  rate: RateFigure;
  /** Seconds the whole run took. */
  durationSeconds: number;
}

/** Goals of the issue-13 table; a ratio goal where the figure has a floor, else a value goal. */
const GOALS: Record<string, number> = {
  "ingest.braze": 3,
  "ingest.mparticle": 3,
  "ingest.mparticle-webhook": 3,
  "path.braze-mixpanel": 2.5,
  "path.braze-mparticle": 2.5,
  "path.mparticle-pushwoosh": 2.5,
  "mapping.braze-mparticle": 2,
  "mapping.braze-mixpanel": 2,
  "mapping.mparticle-pushwoosh": 2,
  "requests.sqs-messages-per-braze-post": 2,
  "requests.mparticle": 1.05,
  "requests.mixpanel": 1.05,
  "e2e.p99": TARGET_MS,
};
const BUNDLE_GOAL_BYTES = 300 * 1024;
const INIT_GOAL_MS = 60;

function figure(name: string, description: string, value: number, unit: string, floor: number | null, goal: number | null = GOALS[name] ?? null): Figure {
  const ratio = floor ? round(value / floor, 2) : null;
  const measured = ratio ?? value;
  const met = goal === null ? null : name === "e2e.p99" ? measured < goal : measured <= goal;
  return { name, description, value: round(value, 2), unit, floor: floor === null ? null : round(floor, 2), ratio, goal, met };
}

/** The per-event figures, measured in their own process (bench/micro.ts). */
async function microFigures(): Promise<MicroFigure[]> {
  const folder = await mkdtemp(join(tmpdir(), "cdp-relay-bench-"));
  const output = join(folder, "micro.json");
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL("./micro.ts", import.meta.url)), output], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`bench/micro.ts failed (${code}): ${stderr.slice(-2000)}`))));
    });
    return JSON.parse(await readFile(output, "utf8")) as MicroFigure[];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function printFigures(figures: Figure[]): void {
  const header = ["figure", "value", "unit", "floor", "ratio", "goal", "met"];
  const rows = figures.map((f) => [
    f.name,
    String(f.value),
    f.unit,
    f.floor === null ? "" : String(f.floor),
    f.ratio === null ? "" : `${f.ratio}×`,
    f.goal === null ? "" : f.floor === null ? `≤ ${f.goal}` : `≤ ${f.goal}×`,
    f.met === null ? "" : f.met ? "yes" : "NO",
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, index) => (index === 0 || index === 2 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join("  ");
  console.log(line(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row));
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
  };
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const loadAtStart = loadavg().map((value) => round(value, 2));
  console.log("per-event figures (bench/micro.ts, own process) ...");
  const micro = await microFigures();
  const stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, pollerConcurrency: POLLER_CONCURRENCY });
  // Pushwoosh takes only events created in its Control Panel: the workers deliver the bench's events, not park them.
  stack.sandboxes.pushwoosh?.createEvents(...MPARTICLE_CUSTOM_EVENTS);
  try {
    const { baseline, brazeJson, measured } = cases(stack);
    const all = [baseline, ...measured];

    console.log(
      `cdp-relay ingest benchmark on ${stack.apiUrl}: warm-up ${WARMUP_PER_CASE} per case, then ${ROUNDS} rounds of ${SLOTS_PER_ROUND} interleaved slots`,
    );
    // Before anything is queued: what the baseline costs when the workers have nothing to do.
    await runCase(stack.apiUrl, baseline, WARMUP_PER_CASE);
    const idleBaseline = entry(
      { ...baseline, name: `${baseline.name} (idle stack)`, description: "The baseline before any webhook was sent: no worker load" },
      [await runCase(stack.apiUrl, baseline, IDLE_BASELINE_REQUESTS)],
    );

    let mixpanelEvents = 0;
    for (const benchCase of all) {
      await runCase(stack.apiUrl, benchCase, WARMUP_PER_CASE);
      mixpanelEvents += WARMUP_PER_CASE * benchCase.mixpanelEventsPerRequest;
    }

    const e2e = await endToEnd(stack, brazeJson, mixpanelEvents);

    const samples = new Map<BenchCase, number[][]>(all.map((benchCase) => [benchCase, []]));
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      const roundSamples = new Map<BenchCase, number[]>(all.map((benchCase) => [benchCase, []]));
      for (let slot = 0; slot < SLOTS_PER_ROUND; slot++) {
        for (const benchCase of rotate(all, slot)) {
          if (slot % benchCase.every === 0) roundSamples.get(benchCase)?.push(...(await runCase(stack.apiUrl, benchCase, 1)));
        }
      }
      for (const [benchCase, durations] of roundSamples) samples.get(benchCase)?.push(durations);
      console.log(`round ${roundIndex + 1}/${ROUNDS} done at ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
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

    await stack.stop();
    console.log(`request counts for the fixed workload (workers paused while posting) at ${((performance.now() - startedAt) / 1000).toFixed(1)} s ...`);
    const requests = await countRequests();
    console.log(`bundles and cold init (CDK synth, ${"20"} interleaved starts each) at ${((performance.now() - startedAt) / 1000).toFixed(1)} s ...`);
    const bundles = await measureBundles();
    console.log(`partner outage and rate limit (a local stack of their own) at ${((performance.now() - startedAt) / 1000).toFixed(1)} s ...`);
    const partner = await measurePartnerOutageAndRate();

    const brazeCase = caseResults.find((c) => c.name === brazeJson.name);
    const figures: Figure[] = [
      ...micro.map((m) => figure(m.name, m.description, m.value, "µs/event", m.floor)),
      ...requests.counts.map((c) => figure(c.name, c.description, c.value, c.name.includes("per-braze-post") ? "messages" : "requests", c.minimum)),
      ...bundles.map((b) =>
        figure(
          `bundle.${b.function}`,
          `index.mjs as the stack builds it${b.sourceMapBytes ? ` (+ ${b.sourceMapBytes} bytes of source map)` : ""}`,
          b.bytes,
          "bytes",
          null,
          BUNDLE_GOAL_BYTES,
        ),
      ),
      ...bundles.map((b) =>
        figure(
          `init.${b.function}`,
          `fresh node importing the bundle${b.nodeOptions ? ` with ${b.nodeOptions}` : ""}, minus importing an empty module (${b.emptyMs} ms); medians of 20 interleaved`,
          b.initMs,
          "ms",
          null,
          INIT_GOAL_MS,
        ),
      ),
    ];
    if (!("skipped" in e2e)) figures.push(figure("e2e.throughput", e2e.description, e2e.eventsPerSecond, "events/s", null));
    figures.push(
      figure(
        "outage.recovery_seconds",
        `${partner.outage.events} Mixpanel events held through an outage: from the probe's success to the last held event delivered (probe every ${partner.outage.probeSeconds} s)`,
        partner.outage.recovery_seconds,
        "s",
        null,
      ),
      figure(
        "rate.utilisation",
        `calls the Pushwoosh sandbox took per whole second of a backlog over the ${partner.rate.requestsPerSecond}/s it enforced (bar: ≥ 0.8)`,
        partner.rate.utilisation,
        "ratio",
        null,
      ),
    );
    if (brazeCase) {
      figures.push(figure("e2e.p50", `${brazeCase.description}: p50 answer while the workers deliver`, brazeCase.p50Ms, "ms", null));
      figures.push(figure("e2e.p99", `${brazeCase.description}: p99 answer while the workers deliver`, brazeCase.p99Ms, "ms", null));
    }

    const cpuList = cpus();
    const results: BenchResults = {
      schemaVersion: 2,
      generatedAt: new Date().toISOString(),
      node: process.version,
      machine: {
        cpus: availableParallelism(),
        model: cpuList[0]?.model.trim() ?? "unknown",
        platform: process.platform,
        arch: process.arch,
        memoryGb: round(totalmem() / 1024 ** 3, 1),
      },
      settings: {
        rounds: ROUNDS,
        slotsPerRound: SLOTS_PER_ROUND,
        warmupPerCase: WARMUP_PER_CASE,
        pollerConcurrency: POLLER_CONCURRENCY,
        targetMs: TARGET_MS,
        percentiles: "linear interpolation between closest ranks (type 7)",
      },
      baseline: baselineEntry,
      idleBaseline,
      cases: caseResults,
      endToEnd: e2e,
      load: { start: loadAtStart, end: loadavg().map((value) => round(value, 2)) },
      figures,
      requests: {
        workerSqsCalls: requests.workerSqsCalls,
        drainSeconds: round(requests.drainSeconds, 1),
        workers: requests.workers,
        sentBytes: requests.sentBytes,
      },
      bundles,
      outage: partner.outage,
      rate: partner.rate,
      durationSeconds: round((performance.now() - startedAt) / 1000, 1),
    };
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log();
    printTable(results);
    console.log(`\nfigures (load average ${results.load.start.join(" ")} at start, ${results.load.end.join(" ")} at end on ${results.machine.cpus} cpus):`);
    printFigures(figures);
    console.log(`\nwrote ${fileURLToPath(RESULTS_FILE)} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
