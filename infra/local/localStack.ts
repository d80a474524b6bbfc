import type { SQSClient } from "@aws-sdk/client-sqs";
import { resetSecretsCache, type RelaySecrets } from "../../shared/config/secrets.js";
import {
  FUNCTION_NAME_ENV_VAR,
  LAMBDA_ENDPOINT_ENV_VAR,
  SECRETS_FILE_ENV_VAR,
  WIRED_ENV_VARS,
  WORKER_FUNCTIONS,
  probesPartner,
  wiredEnvironment,
  type FunctionWiring,
} from "../wiring.js";
import { EventSourceMappings, startLambdaApi } from "./lambdaApi.js";
import { localFunctionName } from "./lambdaContext.js";
import { LiveView } from "./live/liveView.js";
import type { BatchSummary, SqsPoller } from "./poller.js";
import type { MixpanelSandbox } from "./sandboxes/mixpanel.js";
import type { MparticleSandbox } from "./sandboxes/mparticle.js";
import type { PushwooshSandbox } from "./sandboxes/pushwoosh.js";
import type { QueueUrls } from "./sqs.js";
import {
  EnvironmentOverlay,
  applyCommonEnvironment,
  readSecrets,
  scopedLoader,
  startHttpApi,
  startQueues,
  startSandboxes,
  startWorker,
  type Startup,
} from "./localStackParts.js";

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
  /** Execution environments per worker: how many batches it runs at once (within its mapping's MaximumConcurrency). */
  pollerConcurrency?: number;
  /** Lambda API port for the workers' event source mappings; 0 (default) picks a free one. */
  lambdaPort?: number;
  /** Where readable log lines go; nothing is printed when quiet. */
  log?: (line: string) => void;
  quiet?: boolean;
  /**
   * Run the workers in this process (default). `npm run bench` runs them in a process of their own
   * (bench/workerProcess.ts) so that, as in Lambda, they do not share ingest's event loop.
   */
  workers?: boolean;
  /** Told of every worker invocation (`npm run bench` sums the workers' billed time). */
  onWorkerBatch?: (worker: string, summary: BatchSummary) => void;
}

export interface LocalStack {
  apiUrl: string;
  /** The live view page (local only). */
  liveUrl: string;
  sqsEndpoint: string;
  sqs: SQSClient;
  queueUrls: QueueUrls;
  secrets: RelaySecrets;
  /** True when the development secret document is in use (its tokens are printed). */
  developmentSecrets: boolean;
  sandboxes: { pushwoosh?: PushwooshSandbox; mparticle?: MparticleSandbox; mixpanel?: MixpanelSandbox };
  /** The workers' event source mappings, as the Lambda API stand-in (AWS_ENDPOINT_URL_LAMBDA) serves them. */
  eventSourceMappings: EventSourceMappings;
  lambdaEndpoint: string;
  /** Stops the workers' polling (batches in flight finish) and starts it again; `npm run bench` counts requests under full batches. */
  workers: { pause(): Promise<void>; resume(): Promise<void> };
  stop(): Promise<void>;
}

/**
 * What the stack gives a function in AWS, locally: the common settings of this process plus exactly the
 * function's wired variables (its queues' URLs, the secret document if it reads it), nothing else; and what
 * Lambda adds, its own name, with the Lambda API stand-in for a worker that pauses its mapping.
 */
export function localFunctionEnvironment(
  fn: FunctionWiring,
  queueUrls: QueueUrls,
  secretsFile: string,
  processEnvironment: NodeJS.ProcessEnv = process.env,
  lambdaEndpoint?: string,
): Record<string, string | undefined> {
  const perFunction = new Set([...WIRED_ENV_VARS, FUNCTION_NAME_ENV_VAR, LAMBDA_ENDPOINT_ENV_VAR]);
  const common = Object.fromEntries(Object.entries(processEnvironment).filter(([name]) => !perFunction.has(name)));
  const wired = wiredEnvironment(fn, (ref) => queueUrls[ref.destination][ref.deadLetter ? "dlq" : "queue"], {
    name: SECRETS_FILE_ENV_VAR,
    value: secretsFile,
  });
  const lambda = probesPartner(fn) && lambdaEndpoint ? { [LAMBDA_ENDPOINT_ENV_VAR]: lambdaEndpoint } : {};
  return { ...common, ...wired, [FUNCTION_NAME_ENV_VAR]: localFunctionName(fn.name), ...lambda };
}

/**
 * The whole connector in one process: embedded SQS with the stack's queues, the HTTP API stand-in,
 * pollers that drive the workers, and a partner sandbox for each partner URL that is not configured.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const startup: Startup = {
    options,
    log: options.quiet ? undefined : (options.log ?? ((line: string) => console.log(line))),
    env: new EnvironmentOverlay(),
    live: new LiveView(),
    stoppers: [],
  };
  const { env, live, stoppers } = startup;
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => {});
    stoppers.length = 0;
    env.restore();
    resetSecretsCache();
  };

  stoppers.push(async () => live.stop());
  try {
    const region = applyCommonEnvironment(startup);
    const { secretsFile, secretsDocument, secrets } = await readSecrets(startup);
    const sandboxes = await startSandboxes(startup, secrets);
    const { endpoint: sqsEndpoint, sqs, queueUrls } = await startQueues(startup, region);

    const eventSourceMappings = new EventSourceMappings();
    const lambdaApi = await startLambdaApi(eventSourceMappings, options.lambdaPort ?? 0);
    stoppers.push(() => lambdaApi.stop());
    const environmentOf = (fn: FunctionWiring) => localFunctionEnvironment(fn, queueUrls, secretsDocument, process.env, lambdaApi.endpoint);
    const loadScoped = scopedLoader(environmentOf);

    let ready = false;
    const api = await startHttpApi(startup, loadScoped, region, () => ready);
    const pollers: SqsPoller[] = [];
    for (const worker of options.workers === false ? [] : WORKER_FUNCTIONS) {
      pollers.push(await startWorker(startup, worker, { sqs, queueUrls, region, eventSourceMappings, loadScoped, environmentOf }));
    }
    ready = true;

    return {
      apiUrl: api.url,
      liveUrl: `${api.url}/_live`,
      sqsEndpoint,
      sqs,
      queueUrls,
      secrets,
      developmentSecrets: !secretsFile,
      sandboxes,
      eventSourceMappings,
      lambdaEndpoint: lambdaApi.endpoint,
      workers: {
        pause: async () => void (await Promise.all(pollers.map((poller) => poller.stop()))),
        resume: async () => void (await Promise.all(pollers.map((poller) => poller.start()))),
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
