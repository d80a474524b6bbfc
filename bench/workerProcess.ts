import { fileURLToPath } from "node:url";
import { startLocalStack } from "../infra/local/localStack.js";
import { forkReady, serveUntilStopped } from "./childProcess.js";

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
  const { stop } = await forkReady(fileURLToPath(import.meta.url), [String(pollerConcurrency)]);
  return { stop };
}

async function runWorkers(): Promise<void> {
  const stack = await startLocalStack({ port: 0, lambdaPort: 0, quiet: true, pollerConcurrency: Number(process.argv[2]) });
  serveUntilStopped("ready", () => stack.stop());
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) await runWorkers();
