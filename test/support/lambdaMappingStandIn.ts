import { afterAll, afterEach, beforeAll, beforeEach, vi } from "vitest";
import { EventSourceMappings, LocalEventSourceMapping, startLambdaApi, type LambdaOperation } from "../../infra/local/lambdaApi.js";

/** One SQS event source mapping as a worker sees it through the Lambda API, and every change made to it. */
export interface StandInMapping {
  readonly uuid: string;
  readonly functionName: string;
  readonly eventSourceArn: string;
  /** Whether the mapping is enabled; setting it (between tests) settles at once and tells no listener. */
  enabled: boolean;
  /** Each UpdateEventSourceMapping's Enabled, in order. */
  updates: boolean[];
}

export interface LambdaMappingStandIn {
  /** AWS_ENDPOINT_URL_LAMBDA. */
  endpoint: string;
  mapping: StandInMapping;
  /** Called after each change of `enabled` made through the API. */
  onChange(listener: (enabled: boolean) => void): void;
  stop(): Promise<void>;
}

/**
 * The local stack's Lambda API (infra/local/lambdaApi.ts) over one mapping, for tests that drive a worker
 * without the local stack's pollers: an update settles at once (Enabled/Disabled) instead of waiting for a
 * poller, since the tests' own poller stops before the next batch.
 */
export async function startLambdaMappingStandIn(functionName: string, eventSourceArn: string): Promise<LambdaMappingStandIn> {
  const local = new LocalEventSourceMapping(functionName, `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`, eventSourceArn, {
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    reportBatchItemFailures: true,
  });
  const updates: boolean[] = [];
  const listeners: Array<(enabled: boolean) => void> = [];
  class SettlingMappings extends EventSourceMappings {
    override answer(operation: LambdaOperation): ReturnType<EventSourceMappings["answer"]> {
      const before = local.enabled;
      const answer = super.answer(operation);
      const { Enabled } = operation.input;
      if (operation.action === "UpdateEventSourceMapping" && answer.status === 202 && typeof Enabled === "boolean") {
        updates.push(Enabled);
        local.settle();
        if (local.enabled !== before) for (const listener of listeners) listener(local.enabled);
      }
      return answer;
    }
  }
  const mappings = new SettlingMappings();
  mappings.add(local);
  const api = await startLambdaApi(mappings);
  const mapping: StandInMapping = {
    uuid: local.uuid,
    functionName,
    eventSourceArn,
    updates,
    get enabled() {
      return local.enabled;
    },
    set enabled(enabled: boolean) {
      local.update({ enabled });
      local.settle();
    },
  };
  return { endpoint: api.endpoint, mapping, onChange: (listener) => void listeners.push(listener), stop: () => api.stop() };
}

/**
 * A stand-in for the tests of one `describe`: started before them, the worker's function name and the Lambda
 * endpoint set for each test (and unset after it), stopped after them. Returns the running stand-in.
 */
export function useLambdaMappingStandIn(functionName: string, eventSourceArn: string): () => LambdaMappingStandIn {
  let lambda: LambdaMappingStandIn | undefined;
  const running = (): LambdaMappingStandIn => {
    if (!lambda) throw new Error("the Lambda API stand-in runs only inside its describe's tests");
    return lambda;
  };
  beforeAll(async () => {
    lambda = await startLambdaMappingStandIn(functionName, eventSourceArn);
  });
  beforeEach(() => {
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", functionName);
    vi.stubEnv("AWS_ENDPOINT_URL_LAMBDA", running().endpoint);
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(async () => {
    await lambda?.stop();
  });
  return running;
}
