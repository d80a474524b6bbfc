import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { loadSecrets, resetSecretsCache, type RelaySecrets } from "../../shared/config/secrets.js";
import type { PARTNER_URL_DEFAULTS } from "../../shared/config/settings.js";
import {
  DESTINATIONS,
  QUEUE_SETTINGS,
  deadLetterQueueUrlEnvVar,
  queueUrlEnvVar,
} from "../../shared/queue/definition.js";
import { WEBHOOK_ROUTES, WORKER_FUNCTIONS } from "../routes.js";
import { startApiServer, type HttpApiHandler } from "./apiServer.js";
import { DEVELOPMENT_SECRETS } from "./devSecrets.js";
import { loadHandler } from "./functions.js";
import { lambdaContext } from "./lambdaContext.js";
import { SqsPoller } from "./poller.js";
import { createMixpanelSandbox, type MixpanelSandbox } from "./sandboxes/mixpanel.js";
import { createMparticleSandbox, type MparticleSandbox } from "./sandboxes/mparticle.js";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS, createPushwooshSandbox, type PushwooshSandbox } from "./sandboxes/pushwoosh.js";
import type { PartnerSandbox } from "./sandboxes/sandbox.js";
import { DEFAULT_LOCAL_SQS_PORT, ensureQueues, startLocalSqs, type QueueUrls } from "./sqs.js";

export const DEFAULT_PORT = 3000;
const LOCAL_REGION = "us-east-1";
const INGEST_TIMEOUT_SECONDS = 10;

export interface LocalStackOptions {
  /** HTTP port; 0 picks a free one. Default: PORT, else 3000. */
  port?: number;
  /** Embedded SQS port; 0 picks a free one. Default: LOCAL_SQS_PORT, else 9324. */
  sqsPort?: number;
  /** Use this SQS endpoint instead of the embedded one. Default: AWS_ENDPOINT_URL_SQS. */
  sqsEndpoint?: string;
  /** The secret document's file. Default: RELAY_SECRETS_FILE, else the development document. */
  secretsFile?: string;
  /** More environment for the handlers, e.g. RETRY_BASE_SECONDS. */
  env?: Record<string, string>;
  /** Execution environments per worker: how many batches it runs at once. */
  pollerConcurrency?: number;
  /** Where readable log lines go; nothing is printed when quiet. */
  log?: (line: string) => void;
  quiet?: boolean;
}

export interface LocalStack {
  apiUrl: string;
  sqsEndpoint: string;
  sqs: SQSClient;
  queueUrls: QueueUrls;
  secrets: RelaySecrets;
  /** True when the development secret document is in use (its tokens are printed). */
  developmentSecrets: boolean;
  sandboxes: { pushwoosh?: PushwooshSandbox; mparticle?: MparticleSandbox; mixpanel?: MixpanelSandbox };
  stop(): Promise<void>;
}

/** Sets environment variables for the handlers and remembers what to put back on stop. */
class EnvironmentOverlay {
  private readonly saved = new Map<string, string | undefined>();

  set(name: string, value: string): void {
    if (!this.saved.has(name)) this.saved.set(name, process.env[name]);
    process.env[name] = value;
  }

  setDefault(name: string, value: string): void {
    if (!process.env[name]) this.set(name, value);
  }

  restore(): void {
    for (const [name, value] of this.saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function envPort(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}

/**
 * The whole connector in one process: embedded SQS with the stack's queues, the HTTP API stand-in,
 * pollers that drive the workers, and a partner sandbox for each partner URL that is not configured.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.quiet ? undefined : (options.log ?? ((line: string) => console.log(line)));
  const env = new EnvironmentOverlay();
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => {});
    stoppers.length = 0;
    env.restore();
    resetSecretsCache();
  };

  try {
    env.setDefault("AWS_REGION", LOCAL_REGION);
    env.setDefault("AWS_ACCESS_KEY_ID", "local");
    env.setDefault("AWS_SECRET_ACCESS_KEY", "local");
    env.setDefault("RETRY_BASE_SECONDS", "1");
    // The console gets one readable line per call; structured logs only when something goes wrong.
    env.setDefault("POWERTOOLS_LOG_LEVEL", "WARN");
    env.setDefault("POWERTOOLS_METRICS_DISABLED", "true");
    for (const [name, value] of Object.entries(options.env ?? {})) env.set(name, value);
    const region = process.env.AWS_REGION ?? LOCAL_REGION;

    const secretsFile = options.secretsFile ?? process.env.RELAY_SECRETS_FILE;
    if (secretsFile) {
      env.set("RELAY_SECRETS_FILE", secretsFile);
    } else {
      const folder = await mkdtemp(join(tmpdir(), "cdp-relay-"));
      stoppers.push(() => rm(folder, { recursive: true, force: true }));
      const file = join(folder, "secrets.json");
      await writeFile(file, JSON.stringify(DEVELOPMENT_SECRETS, null, 2), { mode: 0o600 });
      env.set("RELAY_SECRETS_FILE", file);
    }
    resetSecretsCache();
    const secrets = await loadSecrets();

    const sandboxes: LocalStack["sandboxes"] = {};
    const startSandbox = async <Sandbox extends PartnerSandbox>(variable: keyof typeof PARTNER_URL_DEFAULTS, sandbox: Sandbox) => {
      env.set(variable, await sandbox.start(0));
      stoppers.push(() => sandbox.stop());
      return sandbox;
    };
    if (!process.env.PUSHWOOSH_API_URL) sandboxes.pushwoosh = await startSandbox("PUSHWOOSH_API_URL", createPushwooshSandbox({ log, credentials: DEVELOPMENT_PUSHWOOSH_CREDENTIALS }));
    if (!process.env.MPARTICLE_API_URL) {
      sandboxes.mparticle = await startSandbox("MPARTICLE_API_URL", createMparticleSandbox({ log, feeds: secrets.mparticle.feeds }));
    }
    if (!process.env.MIXPANEL_API_URL) {
      sandboxes.mixpanel = await startSandbox("MIXPANEL_API_URL", createMixpanelSandbox({ log, mixpanel: secrets.mixpanel }));
    }

    const localSqs = await startLocalSqs({
      port: options.sqsPort ?? envPort("LOCAL_SQS_PORT", DEFAULT_LOCAL_SQS_PORT),
      externalEndpoint: options.sqsEndpoint ?? process.env.AWS_ENDPOINT_URL_SQS,
    });
    stoppers.push(() => localSqs.stop());
    env.set("AWS_ENDPOINT_URL_SQS", localSqs.endpoint);
    const sqs = new SQSClient({ endpoint: localSqs.endpoint, region });
    stoppers.push(async () => sqs.destroy());
    const queueUrls = await ensureQueues(sqs);
    for (const destination of DESTINATIONS) {
      env.set(queueUrlEnvVar(destination), queueUrls[destination].queue);
      env.set(deadLetterQueueUrlEnvVar(destination), queueUrls[destination].dlq);
    }

    let ready = false;
    const routes = await Promise.all(
      WEBHOOK_ROUTES.map(async (route) => ({ ...route, handler: await loadHandler<Parameters<HttpApiHandler>[0], Awaited<ReturnType<HttpApiHandler>>>(route.functionName) })),
    );
    const api = await startApiServer(options.port ?? envPort("PORT", DEFAULT_PORT), {
      routes,
      context: (functionName) => lambdaContext(functionName, INGEST_TIMEOUT_SECONDS, region),
      isReady: () => ready,
      log,
    });
    stoppers.push(() => closeServer(api.server));

    for (const worker of WORKER_FUNCTIONS) {
      const settings = QUEUE_SETTINGS[worker.destination];
      const poller = new SqsPoller({
        sqs,
        queueUrl: queueUrls[worker.destination].queue,
        region,
        settings,
        handlers: await Promise.all(
          Array.from({ length: options.pollerConcurrency ?? 2 }, (_, environment) =>
            loadHandler<SQSEvent, SQSBatchResponse>(worker.functionName, environment),
          ),
        ),
        context: () => lambdaContext(worker.functionName, settings.workerTimeoutSeconds, region),
        onBatch: (summary) => {
          const failed = summary.failed > 0 ? `, ${summary.failed} to retry` : "";
          const error = summary.error ? ` (${summary.error})` : "";
          log?.(`[${worker.functionName}] batch of ${summary.records}${failed}${error}`);
        },
      });
      await poller.start();
      stoppers.push(() => poller.stop());
    }
    ready = true;

    return {
      apiUrl: api.url,
      sqsEndpoint: localSqs.endpoint,
      sqs,
      queueUrls,
      secrets,
      developmentSecrets: !secretsFile,
      sandboxes,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
