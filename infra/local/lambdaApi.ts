import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The part of the Lambda API a worker uses to pause and resume its own SQS event source mapping while its
 * partner is down (shared/queue/consumption.ts), served locally for `npm start` and the deployed-bundle
 * test, reached through the SDK's own AWS_ENDPOINT_URL_LAMBDA. REST JSON as the SDK sends it
 * (https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html, API_GetEventSourceMapping.html,
 * API_UpdateEventSourceMapping.html). The local pollers (poller.ts) read the same mappings: a disabled mapping
 * stops polling, MaximumConcurrency caps the batches in flight.
 */
// ListEventSourceMappings goes to the collection (the SDK sends it without a trailing slash); Get and Update to `/{UUID}`.
const MAPPINGS_PATH = "/2015-03-31/event-source-mappings";

/** The mapping's fields as the Lambda API returns them (EventSourceMappingConfiguration), those the relay sets. */
export interface EventSourceMappingConfiguration {
  UUID: string;
  EventSourceMappingArn: string;
  FunctionArn: string;
  EventSourceArn: string;
  State: MappingState;
  StateTransitionReason: string;
  BatchSize: number;
  MaximumBatchingWindowInSeconds: number;
  FunctionResponseTypes: string[];
  ScalingConfig: { MaximumConcurrency?: number };
  /** Epoch seconds, as the REST JSON protocol sends timestamps. */
  LastModified: number;
}

/** Enabled and Disabled are settled; Enabling and Disabling last until the pollers have started or stopped. */
export type MappingState = "Enabled" | "Enabling" | "Disabled" | "Disabling";

export interface MappingSettings {
  batchSize: number;
  maxBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency; undefined means no cap beyond the pollers' own environments. */
  maxConcurrency?: number;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** A state change, e.g. for the live view: "the worker paused its mapping". */
export type MappingListener = (mapping: LocalEventSourceMapping) => void;

/** One SQS event source mapping: its settings and its state, shared by the API and the poller that honours it. */
export class LocalEventSourceMapping {
  readonly uuid = randomUUID();
  private state: MappingState;
  private lastModified = Math.floor(Date.now() / 1000);
  private readonly listeners = new Set<MappingListener>();
  private changed = deferred();

  constructor(
    readonly functionName: string,
    readonly functionArn: string,
    readonly eventSourceArn: string,
    public settings: MappingSettings,
    enabled = true,
  ) {
    this.state = enabled ? "Enabled" : "Disabled";
  }

  get arn(): string {
    const [, partition, , region, account] = this.functionArn.split(":");
    return `arn:${partition}:lambda:${region}:${account}:event-source-mapping:${this.uuid}`;
  }

  /** Whether the pollers should take messages: the mapping is Enabled or Enabling. */
  get enabled(): boolean {
    return this.state === "Enabled" || this.state === "Enabling";
  }

  get currentState(): MappingState {
    return this.state;
  }

  /** UpdateEventSourceMapping: Enabled moves to Enabling/Disabling, settled by the poller (settle). */
  update(change: { enabled?: boolean; batchSize?: number; maxConcurrency?: number | null }): void {
    if (change.enabled !== undefined && change.enabled !== this.enabled) this.state = change.enabled ? "Enabling" : "Disabling";
    if (change.batchSize !== undefined) this.settings = { ...this.settings, batchSize: change.batchSize };
    if (change.maxConcurrency !== undefined) this.settings = { ...this.settings, maxConcurrency: change.maxConcurrency ?? undefined };
    this.lastModified = Math.floor(Date.now() / 1000);
    this.notify();
  }

  /** The poller has started (Enabling → Enabled) or stopped every batch in flight (Disabling → Disabled). */
  settle(): void {
    const settled = this.state === "Enabling" ? "Enabled" : this.state === "Disabling" ? "Disabled" : this.state;
    if (settled === this.state) return;
    this.state = settled;
    this.notify();
  }

  /** Resolves at the next change of state or settings: what a stopped poller waits on instead of polling. */
  nextChange(): Promise<void> {
    return this.changed.promise;
  }

  onChange(listener: MappingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  configuration(): EventSourceMappingConfiguration {
    const { batchSize, maxBatchingWindowSeconds, reportBatchItemFailures, maxConcurrency } = this.settings;
    return {
      UUID: this.uuid,
      EventSourceMappingArn: this.arn,
      FunctionArn: this.functionArn,
      EventSourceArn: this.eventSourceArn,
      State: this.state,
      StateTransitionReason: "USER_INITIATED",
      BatchSize: batchSize,
      MaximumBatchingWindowInSeconds: maxBatchingWindowSeconds,
      FunctionResponseTypes: reportBatchItemFailures ? ["ReportBatchItemFailures"] : [],
      ScalingConfig: maxConcurrency === undefined ? {} : { MaximumConcurrency: maxConcurrency },
      LastModified: this.lastModified,
    };
  }

  private notify(): void {
    const resolve = this.changed.resolve;
    this.changed = deferred();
    resolve();
    for (const listener of this.listeners) listener(this);
  }
}

/** A Lambda API operation recognised from its REST request: the name IAM authorises and its input. */
export interface LambdaOperation {
  action: "ListEventSourceMappings" | "GetEventSourceMapping" | "UpdateEventSourceMapping";
  input: Record<string, unknown>;
}

/** Which operation a request is, as the SDK sends them; undefined for any other path. */
export function lambdaOperationOf(method: string, url: string, body: string): LambdaOperation | undefined {
  const { pathname, searchParams } = new URL(url, "http://lambda");
  if (pathname !== MAPPINGS_PATH && !pathname.startsWith(`${MAPPINGS_PATH}/`)) return undefined;
  const uuid = decodeURIComponent(pathname.slice(MAPPINGS_PATH.length + 1));
  if (uuid === "" && method === "GET") return { action: "ListEventSourceMappings", input: Object.fromEntries(searchParams) };
  if (uuid === "" || uuid.includes("/")) return undefined;
  if (method === "GET") return { action: "GetEventSourceMapping", input: { UUID: uuid } };
  if (method === "PUT") return { action: "UpdateEventSourceMapping", input: { ...(body ? (JSON.parse(body) as Record<string, unknown>) : {}), UUID: uuid } };
  return undefined;
}

interface Answer {
  status: number;
  body: unknown;
  errorType?: string;
}

// Errors as the REST JSON protocol carries them: the type in X-Amzn-ErrorType, the message in the body.
const notFound = (what: string): Answer => ({
  status: 404,
  errorType: "ResourceNotFoundException",
  body: { Type: "User", Message: `The resource you requested does not exist. (${what})` },
});
const invalid = (message: string): Answer => ({ status: 400, errorType: "InvalidParameterValueException", body: { Type: "User", Message: message } });

/** The local stack's mappings, one per worker, and the Lambda API over them. */
export class EventSourceMappings {
  private readonly mappings: LocalEventSourceMapping[] = [];

  add(mapping: LocalEventSourceMapping): LocalEventSourceMapping {
    this.mappings.push(mapping);
    return mapping;
  }

  all(): readonly LocalEventSourceMapping[] {
    return this.mappings;
  }

  /** Answers one operation as Lambda does. */
  answer(operation: LambdaOperation): Answer {
    const { action, input } = operation;
    if (action === "ListEventSourceMappings") {
      const name = input.FunctionName === undefined ? undefined : String(input.FunctionName);
      const source = input.EventSourceArn === undefined ? undefined : String(input.EventSourceArn);
      // FunctionName takes a name or an ARN (https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html).
      const found = this.mappings.filter(
        (mapping) =>
          (name === undefined || name === mapping.functionName || name === mapping.functionArn) && (source === undefined || source === mapping.eventSourceArn),
      );
      return { status: 200, body: { EventSourceMappings: found.map((mapping) => mapping.configuration()) } };
    }
    const mapping = this.mappings.find((candidate) => candidate.uuid === input.UUID);
    if (!mapping) return notFound(`event source mapping ${String(input.UUID)}`);
    if (action === "GetEventSourceMapping") return { status: 200, body: mapping.configuration() };
    const { Enabled, BatchSize, ScalingConfig } = input as { Enabled?: unknown; BatchSize?: unknown; ScalingConfig?: { MaximumConcurrency?: unknown } };
    if (Enabled !== undefined && typeof Enabled !== "boolean") return invalid("Enabled must be a boolean");
    if (BatchSize !== undefined && (!Number.isInteger(BatchSize) || (BatchSize as number) < 1 || (BatchSize as number) > 10_000))
      return invalid("BatchSize must be 1 to 10000");
    const concurrency = ScalingConfig?.MaximumConcurrency;
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || (concurrency as number) < 2 || (concurrency as number) > 1000)) {
      return invalid("ScalingConfig.MaximumConcurrency must be 2 to 1000");
    }
    mapping.update({
      enabled: Enabled as boolean | undefined,
      batchSize: BatchSize as number | undefined,
      maxConcurrency: ScalingConfig === undefined ? undefined : ((concurrency as number | undefined) ?? null),
    });
    // UpdateEventSourceMapping answers 202 Accepted with the mapping in its transitional state.
    return { status: 202, body: mapping.configuration() };
  }
}

export interface LambdaApi {
  /** AWS_ENDPOINT_URL_LAMBDA for the workers. */
  endpoint: string;
  stop(): Promise<void>;
}

/** Serves the mappings' Lambda API on loopback; port 0 picks a free one. */
export async function startLambdaApi(mappings: EventSourceMappings, port = 0): Promise<LambdaApi> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let answer: Answer;
      try {
        const operation = lambdaOperationOf(req.method ?? "GET", req.url ?? "/", Buffer.concat(chunks).toString("utf8"));
        answer = operation
          ? mappings.answer(operation)
          : { status: 404, errorType: "UnknownOperationException", body: { Type: "User", Message: `${req.method} ${req.url} is not served here` } };
      } catch (error) {
        answer = invalid(`the request body is not JSON: ${(error as Error).message}`);
      }
      res.writeHead(answer.status, { "content-type": "application/json", ...(answer.errorType ? { "x-amzn-errortype": answer.errorType } : {}) });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
