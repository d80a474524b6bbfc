import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startLocalStack } from "../infra/local/localStack.js";

/**
 * The workers in a process of their own, polling the bench stack's queues and calling its sandboxes (the
 * parent's environment carries AWS_ENDPOINT_URL_SQS and the partner URLs). In Lambda, ingest and the
 * workers never share an event loop; in one process, a worker mapping a batch of 500 messages held the
 * ingest answers behind it, and that, not ingest, was the e2e.p99 tail (docs/performance.md).
 */

export interface WorkerProcess {
  stop(): Promise<void>;
}

/** Forks this file with the parent's environment and waits until its workers poll. */
export async function startWorkerProcess(pollerConcurrency: number): Promise<WorkerProcess> {
  const child = fork(fileURLToPath(import.meta.url), [String(pollerConcurrency)], { execArgv: process.execArgv, stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`bench/workerProcess.ts exited (${code}) while starting: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    stop: async () => {
      if (child.exitCode === null && child.connected) child.send("stop");
      await exited;
    },
  };
}

async function runWorkers(): Promise<void> {
  const stack = await startLocalStack({ port: 0, lambdaPort: 0, quiet: true, pollerConcurrency: Number(process.argv[2]) });
  process.once("message", () => void stack.stop().then(() => process.exit(0)));
  process.send?.("ready");
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) await runWorkers();
