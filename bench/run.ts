import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startLocalStack } from "../infra/local/localStack.js";
import { measureBundles, type BundleFigure } from "./bundles.js";
import { TARGET_MS, buildFigures, printFigures, type Figure } from "./figures.js";
import {
  ROUNDS,
  SLOTS_PER_ROUND,
  WARMUP_PER_CASE,
  backgroundStreams,
  measureLatency,
  type CaseResult,
  type EndToEnd,
  type LatencyResult,
  type MeasuredEntry,
} from "./latency.js";
import type { MicroFigure } from "./micro.js";
import { MICRO_FIGURES, pooled } from "./microTiming.js";
import { measurePartnerOutageAndRate, type OutageFigure, type RateFigure } from "./partnerOutage.js";
import { MPARTICLE_CUSTOM_EVENTS } from "./payloads.js";
import { countRequests, type RequestsResult } from "./requests.js";
import { round } from "./stats.js";
import { startWorkerProcess } from "./workerProcess.js";

/**
 * `npm run bench`: every figure of bench/README.md, each beside its floor and with the spread of its rounds,
 * written to bench/results.json. `npm run bench -- --load N` runs the same with N request streams at once
 * (measured in the latency part, in the background of the per-event and init figures) and writes bench/results-loadN.json.
 */

const POLLER_CONCURRENCY = 2;

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
  console.log("\nmedian per round (ms), to show drift; then p99 per round:");
  for (const entry of [results.baseline, ...results.cases]) {
    console.log(`  ${pad(entry.name, widths[0] ?? 0, true)}  ${entry.p50ByRoundMs.map((value) => value.toFixed(2)).join(" ")}`);
  }
  for (const entry of [results.baseline, ...results.cases]) {
    console.log(`  ${pad(entry.name, widths[0] ?? 0, true)}  ${entry.p99ByRoundMs.map((value) => value.toFixed(2)).join(" ")}`);
  }
  const idle = results.idleBaseline;
  console.log(
    `\n${idle.name}: p50 ${idle.p50Ms.toFixed(2)} ms, p95 ${idle.p95Ms.toFixed(2)} ms, p99 ${idle.p99Ms.toFixed(2)} ms (n ${idle.n}); the baseline above shares the process with busy workers`,
  );
  if ("skipped" in results.endToEnd) console.log(`\nend-to-end delivery: skipped (${results.endToEnd.skipped})`);
  else {
    const e2e = results.endToEnd;
    console.log(
      `\nend-to-end delivery: ${e2e.events} Braze events to the Mixpanel sandbox in ${e2e.deliveredSeconds.toFixed(2)} s (ingest ${e2e.ingestSeconds.toFixed(2)} s): ${e2e.eventsPerSecond} events/s (rounds: ${e2e.eventsPerSecondByRound.join(", ")})`,
    );
  }
}

/** The shape of bench/results.json; add fields, never rename or remove them. */
interface BenchResults {
  schemaVersion: 3;
  generatedAt: string;
  node: string;
  machine: { cpus: number; model: string; platform: string; arch: string; memoryGb: number };
  settings: {
    rounds: number;
    slotsPerRound: number;
    warmupPerCase: number;
    pollerConcurrency: number;
    targetMs: number;
    percentiles: string;
    /** Request streams at once: 1 for `npm run bench`, N for `--load N`. */
    loadStreams: number;
  };
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

/** Runs of each per-event figure (bench/micro.ts), each run in a process of its own; all figures, then all again. */
const MICRO_PASSES = 2;

/** The per-event figures, each in a process of its own as a Lambda container runs one function, pooled over the passes. */
async function microFigures(): Promise<MicroFigure[]> {
  const folder = await mkdtemp(join(tmpdir(), "cdp-relay-bench-"));
  const runs = new Map<string, MicroFigure[]>();
  try {
    for (let pass = 0; pass < MICRO_PASSES; pass++) {
      for (const name of MICRO_FIGURES) {
        const output = join(folder, `${name}-${pass}.json`);
        await new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL("./micro.ts", import.meta.url)), output, name], {
            stdio: ["ignore", "ignore", "pipe"],
          });
          let stderr = "";
          child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
          child.on("error", reject);
          child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`bench/micro.ts ${name} failed (${code}): ${stderr.slice(-2000)}`))));
        });
        for (const figure of JSON.parse(await readFile(output, "utf8")) as MicroFigure[]) runs.set(figure.name, [...(runs.get(figure.name) ?? []), figure]);
      }
    }
    return [...runs.values()].map(pooled);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function loadAverage(): number[] {
  return loadavg().map((value) => round(value, 2));
}

/** `--load N`: N request streams at once (default 1, the quiet run). */
function loadStreamsArgument(): number {
  const { values } = parseArgs({ options: { load: { type: "string", default: "1" } } });
  const streams = Number(values.load);
  if (!Number.isInteger(streams) || streams < 1) throw new Error(`--load takes a positive integer, not ${values.load}`);
  return streams;
}

function resultsFile(streams: number): URL {
  return new URL(streams === 1 ? "./results.json" : `./results-load${streams}.json`, import.meta.url);
}

function machine(): BenchResults["machine"] {
  return {
    cpus: availableParallelism(),
    model: cpus()[0]?.model.trim() ?? "unknown",
    platform: process.platform,
    arch: process.arch,
    memoryGb: round(totalmem() / 1024 ** 3, 1),
  };
}

interface Measurements {
  latency: LatencyResult;
  micro: MicroFigure[];
  requests: RequestsResult;
  bundles: BundleFigure[];
  partner: { outage: OutageFigure; rate: RateFigure };
}

/** Every part of the run, in order; with `streams` > 1 the stack keeps taking that many streams to the end. */
async function measureAll(streams: number, log: (line: string) => void): Promise<Measurements> {
  const stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, workers: false });
  const workers = await startWorkerProcess(POLLER_CONCURRENCY);
  const stopStack = async () => {
    await workers.stop();
    await stack.stop();
  };
  // Pushwoosh takes only events created in its Control Panel: the workers deliver the bench's events, not park them.
  stack.sandboxes.pushwoosh?.createEvents(...MPARTICLE_CUSTOM_EVENTS);
  try {
    log(`cdp-relay ingest benchmark on ${stack.apiUrl}: warm-up ${WARMUP_PER_CASE} per case, then ${ROUNDS} rounds of ${SLOTS_PER_ROUND} interleaved slots`);
    const latency = await measureLatency(stack, streams, log);
    // The quiet run measures the rest with the stack stopped; --load N keeps N streams posting while the
    // figures measured in processes of their own are (per-event, init). The request counts and the outage run
    // start local stacks in this process, so they come after the bench stack, whose environment
    // (AWS_ENDPOINT_URL_SQS, the partner URLs) they would otherwise share, has stopped.
    const loaded = async <Result>(work: () => Promise<Result>): Promise<Result> => {
      const background = streams > 1 ? backgroundStreams(stack, streams) : undefined;
      try {
        return await work();
      } finally {
        await background?.stop();
      }
    };
    if (streams === 1) await stopStack();
    log("per-event figures (bench/micro.ts, a process per figure, two passes) ...");
    const micro = await loaded(microFigures);
    log("bundles and cold init (CDK synth, interleaved starts) ...");
    const bundles = await measureBundles(undefined, loaded);
    await stopStack();
    log("request counts for the fixed workload (workers paused while posting) ...");
    const requests = await countRequests();
    log("partner outage and rate limit (a local stack of their own) ...");
    const partner = await measurePartnerOutageAndRate();
    return { latency, micro, requests, bundles, partner };
  } finally {
    await stopStack();
  }
}

function resultsOf(streams: number, measured: Measurements, loadAtStart: number[], seconds: number): BenchResults {
  const { latency, micro, requests, bundles, partner } = measured;
  return {
    schemaVersion: 3,
    generatedAt: new Date().toISOString(),
    node: process.version,
    machine: machine(),
    settings: {
      rounds: ROUNDS,
      slotsPerRound: SLOTS_PER_ROUND,
      warmupPerCase: WARMUP_PER_CASE,
      pollerConcurrency: POLLER_CONCURRENCY,
      targetMs: TARGET_MS,
      percentiles: "linear interpolation between closest ranks (type 7)",
      loadStreams: streams,
    },
    baseline: latency.baseline,
    idleBaseline: latency.idleBaseline,
    cases: latency.cases,
    endToEnd: latency.endToEnd,
    load: { start: loadAtStart, end: loadAverage() },
    figures: buildFigures(micro, requests, bundles, latency, partner),
    requests: {
      workerSqsCalls: requests.workerSqsCalls,
      drainSeconds: round(requests.drainSeconds, 1),
      workers: requests.workers,
      sentBytes: requests.sentBytes,
    },
    bundles,
    outage: partner.outage,
    rate: partner.rate,
    durationSeconds: round(seconds, 1),
  };
}

async function main(): Promise<void> {
  const streams = loadStreamsArgument();
  const startedAt = performance.now();
  const loadAtStart = loadAverage();
  const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;
  console.log(`load average at start: ${loadAtStart.join(" ")}${streams > 1 ? `; ${streams} request streams at once` : ""}`);
  const measured = await measureAll(streams, (line) => console.log(`${line} at ${elapsed()}`));
  const results = resultsOf(streams, measured, loadAtStart, (performance.now() - startedAt) / 1000);
  const file = resultsFile(streams);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log();
  printTable(results);
  console.log(
    `\nfigures (load average ${results.load.start.join(" ")} at start, ${results.load.end.join(" ")} at end on ${results.machine.cpus} cpus, ${streams} request stream(s)):`,
  );
  printFigures(results.figures);
  console.log(`\nload average at end: ${results.load.end.join(" ")}; wrote ${fileURLToPath(file)} in ${elapsed()}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
