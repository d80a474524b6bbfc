import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { runInFunctionEnvironment } from "../../shared/config/environment.js";
import { loadSecrets, resetSecretsCache, type RelaySecrets } from "../../shared/config/secrets.js";
import { partnerProbeSeconds, type PARTNER_URL_DEFAULTS } from "../../shared/config/settings.js";
import { HTTP_FUNCTIONS, SECRETS_FILE_ENV_VAR, WIRED_ENV_VARS, probesPartner, type FunctionWiring, type WORKER_FUNCTIONS } from "../wiring.js";
import { startApiServer, type HttpApiHandler } from "./apiServer.js";
import { DEVELOPMENT_SECRETS } from "./devSecrets.js";
import { loadHandler } from "./functions.js";
import { LocalEventSourceMapping, type EventSourceMappings } from "./lambdaApi.js";
import { lambdaContext, localFunctionArn, localFunctionName } from "./lambdaContext.js";
import type { LiveView } from "./live/liveView.js";
import { explainPortInUse } from "./portInUse.js";
import { SqsPoller, type WorkerEvent } from "./poller.js";
import { scheduledEvent, startProbeTimer } from "./probeSchedule.js";
import { createMixpanelSandbox } from "./sandboxes/mixpanel.js";
import { createMparticleSandbox } from "./sandboxes/mparticle.js";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS, DEVELOPMENT_PUSHWOOSH_EVENTS, createPushwooshSandbox } from "./sandboxes/pushwoosh.js";
import type { PartnerSandbox } from "./sandboxes/sandbox.js";
import { DEFAULT_LOCAL_SQS_PORT, ensureQueues, startLocalSqs, type QueueUrls } from "./sqs.js";
import type { LocalStack, LocalStackOptions } from "./localStack.js";

/**
 * The parts of the local stack (infra/local/localStack.ts), each started on its own: the common environment,
 * the secret document, the partner sandboxes, the queues, the HTTP API stand-in and one worker with its poller.
 */

const DEFAULT_PORT = 3000;
const LOCAL_REGION = "us-east-1";

/** Sets the common settings every handler shares and remembers what to put back on stop. */
export class EnvironmentOverlay {
  private readonly saved = new Map<string, string | undefined>();

  set(name: string, value: string): void {
    if (!this.saved.has(name)) this.saved.set(name, process.env[name]);
    process.env[name] = value;
  }

  unset(name: string): void {
    if (!this.saved.has(name)) this.saved.set(name, process.env[name]);
    delete process.env[name];
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

/** What the parts of the local stack share while it starts: the log, the environment overlay, the live view, the stop list. */
export interface Startup {
  options: LocalStackOptions;
  log?: (line: string) => void;
  env: EnvironmentOverlay;
  live: LiveView;
  stoppers: Array<() => Promise<void>>;
}

/** The common settings every handler shares, local credentials and region included; returns the region. */
export function applyCommonEnvironment({ env, options }: Startup): string {
  env.setDefault("AWS_REGION", LOCAL_REGION);
  env.setDefault("AWS_ACCESS_KEY_ID", "local");
  env.setDefault("AWS_SECRET_ACCESS_KEY", "local");
  env.setDefault("RETRY_BASE_SECONDS", "1");
  // The console gets one readable line per call; structured logs only when something goes wrong.
  env.setDefault("POWERTOOLS_LOG_LEVEL", "WARN");
  env.setDefault("POWERTOOLS_METRICS_DISABLED", "true");
  for (const [name, value] of Object.entries(options.env ?? {})) env.set(name, value);
  return process.env.AWS_REGION ?? LOCAL_REGION;
}

/** The secret document's file (the development one, written to a temp folder, unless one is given) and its content. */
export async function readSecrets({ env, options, stoppers }: Startup): Promise<{ secretsFile?: string; secretsDocument: string; secrets: RelaySecrets }> {
  const writeDevelopmentSecrets = async () => {
    const folder = await mkdtemp(join(tmpdir(), "cdp-relay-"));
    stoppers.push(() => rm(folder, { recursive: true, force: true }));
    const file = join(folder, "secrets.json");
    await writeFile(file, JSON.stringify(DEVELOPMENT_SECRETS, null, 2), { mode: 0o600 });
    return file;
  };
  // The wired variables (queue URLs, the secret's location) are never in process.env: each handler
  // gets exactly those its wiring gives it, per invocation (localFunctionEnvironment).
  const secretsFile = options.secretsFile ?? process.env.RELAY_SECRETS_FILE;
  for (const name of WIRED_ENV_VARS) env.unset(name);
  const secretsDocument = secretsFile ?? (await writeDevelopmentSecrets());
  resetSecretsCache();
  const secrets = await runInFunctionEnvironment({ [SECRETS_FILE_ENV_VAR]: secretsDocument }, () => loadSecrets());
  return { secretsFile, secretsDocument, secrets };
}

/** A sandbox for each partner whose URL is not set, the URL pointed at it. */
export async function startSandboxes({ env, live, log, stoppers }: Startup, secrets: RelaySecrets): Promise<LocalStack["sandboxes"]> {
  const sandboxes: LocalStack["sandboxes"] = {};
  const startSandbox = async <Sandbox extends PartnerSandbox>(variable: keyof typeof PARTNER_URL_DEFAULTS, sandbox: Sandbox) => {
    env.set(variable, await sandbox.start(0));
    stoppers.push(() => sandbox.stop());
    live.addSandbox(sandbox);
    return sandbox;
  };
  if (!process.env.PUSHWOOSH_API_URL)
    sandboxes.pushwoosh = await startSandbox(
      "PUSHWOOSH_API_URL",
      createPushwooshSandbox({ log, credentials: DEVELOPMENT_PUSHWOOSH_CREDENTIALS, events: DEVELOPMENT_PUSHWOOSH_EVENTS }),
    );
  if (!process.env.MPARTICLE_API_URL) {
    sandboxes.mparticle = await startSandbox("MPARTICLE_API_URL", createMparticleSandbox({ log, feeds: secrets.mparticle.feeds }));
  }
  if (!process.env.MIXPANEL_API_URL) {
    sandboxes.mixpanel = await startSandbox("MIXPANEL_API_URL", createMixpanelSandbox({ log, mixpanel: secrets.mixpanel }));
  }
  return sandboxes;
}

/** The embedded SQS server (unless an endpoint is given) with the stack's queues and DLQs. */
export async function startQueues({ env, live, options, stoppers }: Startup, region: string) {
  const sqsPort = options.sqsPort ?? envPort("LOCAL_SQS_PORT", DEFAULT_LOCAL_SQS_PORT);
  const localSqs = await startLocalSqs({
    port: sqsPort,
    externalEndpoint: options.sqsEndpoint ?? process.env.AWS_ENDPOINT_URL_SQS,
    beforeListen: (app) => live.watchQueues(app),
  }).catch(explainPortInUse("LOCAL_SQS_PORT", sqsPort));
  stoppers.push(() => localSqs.stop());
  env.set("AWS_ENDPOINT_URL_SQS", localSqs.endpoint);
  const sqs = new SQSClient({ endpoint: localSqs.endpoint, region });
  stoppers.push(async () => sqs.destroy());
  const queueUrls = await ensureQueues(sqs);
  live.useQueues({ sqs, queueUrls });
  return { endpoint: localSqs.endpoint, sqs, queueUrls };
}

/** Loads a function's handler (in one of its execution environments) and runs each invocation inside the function's environment. */
export type LoadScoped = <Event, Result>(fn: FunctionWiring, executionEnvironment?: number) => Promise<(event: Event, context: Context) => Promise<Result>>;

export function scopedLoader(environmentOf: (fn: FunctionWiring) => Record<string, string | undefined>): LoadScoped {
  return async <Event, Result>(fn: FunctionWiring, executionEnvironment = 0) => {
    const handler = await loadHandler<Event, Result>(fn.name, executionEnvironment);
    return (event: Event, context: Context) => runInFunctionEnvironment(environmentOf(fn), () => handler(event, context));
  };
}

/** The HTTP API stand-in: every HTTP function on its route, the live view beside them. */
export async function startHttpApi({ live, log, options, stoppers }: Startup, loadScoped: LoadScoped, region: string, isReady: () => boolean) {
  const routes = await Promise.all(
    HTTP_FUNCTIONS.map(async (fn) => ({
      method: fn.trigger.method,
      path: fn.trigger.path,
      functionName: fn.name,
      handler: live.tracer.ingest(fn.trigger.method, fn.trigger.path, await loadScoped<Parameters<HttpApiHandler>[0], Awaited<ReturnType<HttpApiHandler>>>(fn)),
    })),
  );
  const timeoutOf = new Map(HTTP_FUNCTIONS.map((fn) => [fn.name, fn.timeoutSeconds]));
  const port = options.port ?? envPort("PORT", DEFAULT_PORT);
  const api = await startApiServer(port, {
    routes,
    context: (functionName) => lambdaContext(functionName, timeoutOf.get(functionName) ?? 0, region),
    isReady,
    localPages: live.handle,
    log,
  }).catch(explainPortInUse("PORT", port));
  stoppers.push(() => closeServer(api.server));
  return api;
}

interface WorkerSetup {
  sqs: SQSClient;
  queueUrls: QueueUrls;
  region: string;
  eventSourceMappings: EventSourceMappings;
  loadScoped: LoadScoped;
  environmentOf: (fn: FunctionWiring) => Record<string, string | undefined>;
}

/** One worker as Lambda runs it: its event source mapping, a poller honouring it, and its probe schedule. */
export async function startWorker(
  { live, log, options, stoppers }: Startup,
  worker: (typeof WORKER_FUNCTIONS)[number],
  setup: WorkerSetup,
): Promise<SqsPoller> {
  const { sqs, queueUrls, region, eventSourceMappings, loadScoped, environmentOf } = setup;
  const queueUrl = queueUrls[worker.trigger.destination].queue;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
  const mapping = eventSourceMappings.add(
    new LocalEventSourceMapping(localFunctionName(worker.name), localFunctionArn(worker.name, region), Attributes?.QueueArn ?? "", worker.trigger.eventSource),
  );
  live.watchMapping(worker.trigger.destination, mapping);
  const poller = new SqsPoller({
    sqs,
    queueUrl,
    region,
    mapping,
    handlers: await Promise.all(
      Array.from({ length: options.pollerConcurrency ?? 2 }, (_, environment) =>
        loadScoped<WorkerEvent, SQSBatchResponse | void>(worker, environment).then((handler) => live.tracer.worker(worker.trigger.destination, handler)),
      ),
    ),
    context: () => lambdaContext(worker.name, worker.timeoutSeconds, region),
    onBatch: (summary) => {
      options.onWorkerBatch?.(worker.name, summary);
      const failed = summary.failed > 0 ? `, ${summary.failed} to retry` : "";
      const error = summary.error ? ` (${summary.error})` : "";
      log?.(`[${worker.name}] batch of ${summary.records}${failed}${error}`);
    },
  });
  await poller.start();
  stoppers.push(() => poller.stop());
  if (probesPartner(worker)) {
    // The EventBridge rule of the deployed stack, every PARTNER_PROBE_SECONDS as the worker reads it.
    const seconds = runInFunctionEnvironment(environmentOf(worker), () => partnerProbeSeconds());
    const stopProbing = startProbeTimer(
      seconds,
      () => poller.invokeScheduled(scheduledEvent(`${localFunctionName(worker.name)}-probe`, region)),
      (error) => log?.(`[${worker.name}] probe failed: ${error.message}`),
    );
    stoppers.push(stopProbing);
  }
  return poller;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
