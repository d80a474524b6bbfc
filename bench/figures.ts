import type { BundleFigure } from "./bundles.js";
import type { CaseResult, EndToEnd } from "./latency.js";
import type { MicroFigure } from "./micro.js";
import type { OutageFigure, RateFigure } from "./partnerOutage.js";
import type { RequestsResult } from "./requests.js";
import { round, spreadOf, type Spread } from "./stats.js";

/** mParticle's budget for answering a Firehose call, and the issue's bar for `e2e.p99`. */
export const TARGET_MS = 100;

/** One figure of the issue tables: value beside its floor (or minimum) and the goal, with the spread of its rounds. */
export interface Figure {
  name: string;
  description: string;
  value: number;
  unit: string;
  /**
   * Same-run floor: µs/event of JSON.parse + JSON.stringify; for requests, the minimum the limits allow; for
   * init.*, the bare-Node start (a fresh node importing an empty module). Null when none applies.
   */
  floor: number | null;
  /**
   * value ÷ floor; for the per-event figures, the median of each round's value ÷ that round's floor (measured
   * right after it, on the same machine state), which `value ÷ floor` matches when the machine held one speed.
   * Null without a floor.
   */
  ratio: number | null;
  /** The largest acceptable ratio when there is a floor, else the largest acceptable value; null when the issue sets none. */
  goal: number | null;
  /** Whether the goal is met (ratio or value ≤ goal; for e2e.p99, value < goal); null without a goal. */
  met: boolean | null;
  /** The value in each round the figure was measured in: how sure it is (`rounds: 1` for a count or a size). */
  spread: Spread;
  /** The ratio in each round (value ÷ that round's floor, interleaved with it); null without a floor. */
  ratioSpread: Spread | null;
}

/** What a figure was measured as: its value (median of its rounds) and floor, and their per-round spreads. */
export interface Measured {
  value: number;
  floor: number | null;
  /** The median of the per-round ratios, where rounds pair a value with its floor; else value ÷ floor. */
  ratio?: number;
  spread: Spread;
  ratioSpread: Spread | null;
}

/** A figure measured once: a count, a size, a single timed run. */
export function measuredOnce(value: number, floor: number | null = null): Measured {
  return { value, floor, spread: spreadOf([value]), ratioSpread: floor ? spreadOf([value / floor]) : null };
}

/** Goals of the issue tables; a ratio goal where the figure has a floor, else a value goal. */
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
  "requests.pushwoosh": 1.05,
  "e2e.p99": TARGET_MS,
};
const BUNDLE_GOAL_BYTES = 300 * 1024;
/** init.*: no more than the bare-Node start it is measured against (issue 21). */
const INIT_GOAL_RATIO = 1;

function goalOf(name: string): number | null {
  if (name.startsWith("bundle.")) return BUNDLE_GOAL_BYTES;
  if (name.startsWith("init.")) return INIT_GOAL_RATIO;
  return GOALS[name] ?? null;
}

export function figure(name: string, description: string, unit: string, measured: Measured, goal = goalOf(name)): Figure {
  const { value, floor } = measured;
  const ratio = floor ? round(measured.ratio ?? value / floor, 2) : null;
  const compared = ratio ?? value;
  const met = goal === null ? null : name === "e2e.p99" ? compared < goal : compared <= goal;
  return {
    name,
    description,
    value: round(value, 2),
    unit,
    floor: floor === null ? null : round(floor, 2),
    ratio,
    goal,
    met,
    spread: measured.spread,
    ratioSpread: floor ? measured.ratioSpread : null,
  };
}

/** "min–max (IQR q1–q3)" of a spread, or "1 round" when there is none to show. */
function spreadText(spread: Spread | null): string {
  if (!spread) return "";
  if (spread.rounds === 1) return "1 round";
  return `${spread.min}–${spread.max} (IQR ${spread.q1}–${spread.q3}, ${spread.rounds} rounds)`;
}

export function printFigures(figures: Figure[]): void {
  const header = ["figure", "value", "unit", "floor", "ratio", "goal", "met", "spread of the rounds (ratio, else value)"];
  const rows = figures.map((f) => [
    f.name,
    String(f.value),
    f.unit,
    f.floor === null ? "" : String(f.floor),
    f.ratio === null ? "" : `${f.ratio}×`,
    f.goal === null ? "" : f.floor === null ? `≤ ${f.goal}` : `≤ ${f.goal}×`,
    f.met === null ? "" : f.met ? "yes" : "NO",
    spreadText(f.ratioSpread ?? f.spread),
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? "").length)));
  const leftAligned = new Set([0, 2, 7]);
  const line = (cells: string[]) =>
    cells.map((cell, index) => (leftAligned.has(index) ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join("  ");
  console.log(line(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row));
}

/** `ingest.<door>.sqs`: within 2× of the same door with SQS stubbed, as measured in the same run (issue 21). */
function enqueuedGoal(name: string, micro: MicroFigure[]): number | null {
  if (!name.endsWith(".sqs")) return null;
  const stubbed = micro.find((m) => m.name === name.slice(0, -".sqs".length));
  return stubbed ? round(2 * stubbed.ratio, 2) : null;
}

/** Every figure of the run, in the order the table prints them. */
export function buildFigures(
  micro: MicroFigure[],
  requests: RequestsResult,
  bundles: BundleFigure[],
  latency: { cases: CaseResult[]; brazeJsonName: string; endToEnd: EndToEnd | { skipped: string } },
  partner: { outage: OutageFigure; rate: RateFigure },
): Figure[] {
  const figures: Figure[] = [
    ...micro.map((m) => figure(m.name, m.description, "µs/event", m, goalOf(m.name) ?? enqueuedGoal(m.name, micro))),
    ...requests.counts.map((c) => figure(c.name, c.description, c.name.includes("per-braze-post") ? "messages" : "requests", measuredOnce(c.value, c.minimum))),
    ...bundles.map((b) =>
      figure(
        `bundle.${b.function}`,
        `index.mjs as the stack builds it${b.sourceMapBytes ? ` (+ ${b.sourceMapBytes} bytes of source map)` : ""}`,
        "bytes",
        measuredOnce(b.bytes),
      ),
    ),
    ...bundles.map((b) =>
      figure(
        `init.${b.function}`,
        `fresh node importing the bundle${b.nodeOptions ? ` with ${b.nodeOptions}` : ""}, minus importing an empty module; floor: that bare-Node start; medians of interleaved starts`,
        "ms",
        { value: b.initMs, floor: b.emptyMs, spread: b.initSpread, ratioSpread: b.initRatioSpread },
      ),
    ),
  ];
  const e2e = latency.endToEnd;
  if (!("skipped" in e2e)) {
    figures.push(
      figure("e2e.throughput", e2e.description, "events/s", {
        value: e2e.eventsPerSecond,
        floor: null,
        spread: spreadOf(e2e.eventsPerSecondByRound),
        ratioSpread: null,
      }),
    );
  }
  figures.push(
    figure(
      "outage.recovery_seconds",
      `${partner.outage.events} Mixpanel events held through an outage: from the probe's success to the last held event delivered (probe every ${partner.outage.probeSeconds} s)`,
      "s",
      measuredOnce(partner.outage.recovery_seconds),
    ),
    figure(
      "rate.utilisation",
      `calls the Pushwoosh sandbox took per whole second of a backlog over the ${partner.rate.requestsPerSecond}/s it enforced (bar: ≥ 0.8)`,
      "ratio",
      measuredOnce(partner.rate.utilisation),
    ),
  );
  const braze = latency.cases.find((c) => c.name === latency.brazeJsonName);
  if (braze) {
    const answers = `${braze.description}: answer while the workers deliver`;
    figures.push(figure("e2e.p50", `${answers}, p50`, "ms", { value: braze.p50Ms, floor: null, spread: spreadOf(braze.p50ByRoundMs), ratioSpread: null }));
    figures.push(figure("e2e.p99", `${answers}, p99`, "ms", { value: braze.p99Ms, floor: null, spread: spreadOf(braze.p99ByRoundMs), ratioSpread: null }));
  }
  return figures;
}
