import type { SendMessageBatchCommandInput } from "@aws-sdk/client-sqs";
import { sqsClient } from "../shared/queue/sqsClient.js";
import { round, spreadOf, type Spread } from "./stats.js";

/**
 * Every per-event figure of bench/micro.ts, by group, in the order they run. `npm run bench` measures each in
 * a process of its own, as a Lambda container runs one function: in one process, the figures measured before
 * a figure (other doors' and flows' code, their heap) made it up to a fifth slower, its floor too. It does so
 * twice, minutes apart, and pools the rounds: a few seconds in which the host ran slow moved one figure's
 * median by up to a fifth from one run of the bench to the next.
 */
export const MICRO_GROUPS = {
  mapping: ["mapping.braze-mparticle", "mapping.braze-mixpanel", "mapping.mparticle-pushwoosh"],
  ingest: ["ingest.braze", "ingest.mparticle", "ingest.mparticle-webhook"],
  path: ["path.braze-mixpanel", "path.braze-mparticle", "path.mparticle-pushwoosh"],
  "ingest.sqs": ["ingest.braze.sqs", "ingest.mparticle.sqs", "ingest.mparticle-webhook.sqs"],
} as const;
export type MicroGroup = keyof typeof MICRO_GROUPS;
export const MICRO_FIGURES: readonly string[] = Object.values(MICRO_GROUPS).flat();

/** Which figures a run measures: those named, and every figure of the groups named; all when none is named. */
export function selection(names: string[]): (figure: string) => boolean {
  const unknown = names.filter((name) => !(name in MICRO_GROUPS) && !MICRO_FIGURES.includes(name));
  if (unknown.length > 0) throw new Error(`micro.ts: no group or figure ${unknown.join(", ")} (groups: ${Object.keys(MICRO_GROUPS).join(", ")})`);
  const chosen = new Set(names.flatMap((name) => (name in MICRO_GROUPS ? [...MICRO_GROUPS[name as MicroGroup]] : [name])));
  return (figure) => chosen.size === 0 || chosen.has(figure);
}

/** One per-event figure of bench/micro.ts. */
export interface MicroFigure {
  name: string;
  description: string;
  /** µs per event. */
  value: number;
  /** µs per event of JSON.parse + JSON.stringify of the same text, same run, interleaved. */
  floor: number;
  /** The median of each round's value ÷ its floor: the two are measured back to back, so a slow moment moves both. */
  ratio: number;
  /** µs per event in each round, and value ÷ floor in each round: how sure the medians are. */
  spread: Spread;
  ratioSpread: Spread;
  /** Each timed round's value and floor, so that runs of one figure can be pooled (`pooled`). */
  rounds: { values: number[]; floors: number[] };
}

/** Timed rounds per figure (after two of warm-up); `--rounds N` raises it, e.g. to profile one group. */
let rounds = 11;

export function setRounds(count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new Error(`--rounds must be a positive integer, not ${count}`);
  rounds = count;
}

/** Milliseconds by the wall clock (the default), or of this process's CPU time (`--clock cpu`, for a machine other work shares). */
let clock = (): number => performance.now();

export function setClock(name: string | undefined): void {
  if (name === "cpu") {
    clock = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
  } else if (name !== "wall") throw new Error(`--clock must be wall or cpu, not ${name}`);
}

/**
 * Median over rounds of the per-event time of `work` (run `repeat` times on `events` events) and of the
 * floor (JSON.parse + JSON.stringify of each text in `floorText`, which holds `floorEvents` events), interleaved.
 */
export async function interleaved(
  events: number,
  work: () => Promise<void> | void,
  floorText: string[],
  floorEvents: number,
  repeat: number,
): Promise<Omit<MicroFigure, "name" | "description">> {
  const values: number[] = [];
  const floors: number[] = [];
  for (let roundIndex = 0; roundIndex < rounds + 2; roundIndex++) {
    let started = clock();
    for (let index = 0; index < repeat; index++) await work();
    const value = ((clock() - started) * 1000) / (repeat * events);
    started = clock();
    for (const text of floorText) JSON.stringify(JSON.parse(text));
    const floor = ((clock() - started) * 1000) / floorEvents;
    // The first two rounds warm the JIT.
    if (roundIndex >= 2) {
      values.push(value);
      floors.push(floor);
    }
  }
  return summarised(values, floors);
}

function summarised(values: number[], floors: number[]): Omit<MicroFigure, "name" | "description"> {
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
  const ratios = values.map((value, index) => value / (floors[index] as number));
  return {
    value: round(median(values), 2),
    floor: round(median(floors), 2),
    ratio: round(median(ratios), 2),
    spread: spreadOf(values),
    ratioSpread: spreadOf(ratios),
    rounds: { values, floors },
  };
}

/** One figure from several runs of it (each its own process, at another moment): the medians of all their rounds. */
export function pooled(runs: MicroFigure[]): MicroFigure {
  const [first] = runs;
  if (!first) throw new Error("pooled: no runs");
  return {
    name: first.name,
    description: first.description,
    ...summarised(
      runs.flatMap((run) => run.rounds.values),
      runs.flatMap((run) => run.rounds.floors),
    ),
  };
}

/** Where the stubbed SendMessageBatch calls go: nowhere, unless a case listens (the path cases read them). */
let sentBatches: ((input: SendMessageBatchCommandInput) => void) | undefined;

/** Hands every stubbed SendMessageBatch input to `listener` (undefined: stop listening). */
export function listenToSentBatches(listener: ((input: SendMessageBatchCommandInput) => void) | undefined): void {
  sentBatches = listener;
}

/** Answers SendMessageBatch in the client itself: the SDK builds and serialises the command, nothing is sent. */
export function stubSqsSend(): void {
  sqsClient().middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "SendMessageBatchCommand") return next(args);
      const input = args.input as SendMessageBatchCommandInput;
      sentBatches?.(input);
      return {
        output: { Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: entry.Id, MD5OfMessageBody: "" })), Failed: [], $metadata: {} },
        response: {},
      } as never;
    },
    { step: "initialize", name: "benchSqsStub" },
  );
}
