import { fileURLToPath } from "node:url";
import { startLocalSqs } from "../infra/local/sqs.js";
import { forkReady, serveUntilStopped } from "./childProcess.js";

/**
 * The embedded SQS in a process of its own, as SQS is a service of its own: `ingest.*.sqs` then times the
 * handler's side of SendMessageBatch (the SDK's request, its signature, the HTTP exchange, the wait for the
 * answer), not the server parsing and storing each batch on the same event loop.
 */
export async function startSqsProcess(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const { ready, stop } = await forkReady<string>(fileURLToPath(import.meta.url), []);
  return { endpoint: ready, stop };
}

async function serveSqs(): Promise<void> {
  const sqs = await startLocalSqs({ port: 0 });
  serveUntilStopped(sqs.endpoint, () => sqs.stop());
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) await serveSqs();
