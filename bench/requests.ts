import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { startLocalStack, type LocalStack } from "../infra/local/localStack.js";
import { startLocalSqs } from "../infra/local/sqs.js";
import { DESTINATIONS } from "../shared/queue/definition.js";
import { startAwsProxy, type AwsCall } from "../test/support/awsProxy.js";
import { BENCH_PLATFORMS, MPARTICLE_CUSTOM_EVENTS, brazeCurrentsBatch, mparticleEventsRequest } from "./payloads.js";

/**
 * Requests for a fixed workload, counted where they arrive: SQS calls at a recording proxy in front of the
 * embedded SQS, partner calls at the sandboxes. The workers are paused while the webhooks are posted and
 * resumed once everything is queued, so they see full batches (the steady state under load), then the
 * stack runs until every queue is empty. Beside each count, the minimum the partner's documented limits allow.
 */

export const WORKLOAD = { brazePosts: 100, brazeEventsPerPost: 100, brazeUsers: 50, firehosePosts: 1000, firehoseUsers: 200 } as const;
const FIREHOSE_CONCURRENCY = 8;
const DRAIN_TIMEOUT_MS = 120_000;
/** Documented limits (docs/performance.md cites them). */
const LIMITS = {
  sqsMessageBytes: 1024 * 1024,
  sqsBatchEntries: 10,
  mparticleRequestBytes: 256 * 1024,
  mparticleBatchesPerRequest: 100,
  mixpanelEvents: 2000,
  mixpanelBytes: 2 * 1024 * 1024,
} as const;

export interface RequestCount {
  name: string;
  description: string;
  value: number;
  minimum: number;
}

export interface RequestsResult {
  counts: RequestCount[];
  /** The workers' own SQS calls (ReceiveMessage, DeleteMessageBatch, ...) while draining: they depend on polling, not on the workload alone. */
  workerSqsCalls: Record<string, number>;
  drainSeconds: number;
  /** Per worker while draining: invocations, messages and handler milliseconds (what Lambda bills, on this machine). */
  workers: Record<string, { invocations: number; messages: number; totalMs: number; meanMs: number }>;
  /** Message bodies sent by ingest, per source: SQS bills each 64 KB of a request's payload as one request. */
  sentBytes: { braze: number; firehose: number };
}

const sendActions = new Set(["SendMessage", "SendMessageBatch"]);
const bytes = (text: string) => Buffer.byteLength(text);

function sent(calls: AwsCall[]): Array<{ queue: string; messages: number; bytes: number }> {
  return calls
    .filter((call) => sendActions.has(call.action))
    .map((call) => {
      const entries = (call.input.Entries as Array<{ MessageBody: string }> | undefined) ?? [{ MessageBody: String(call.input.MessageBody ?? "") }];
      return { queue: String(call.input.QueueUrl), messages: entries.length, bytes: entries.reduce((sum, entry) => sum + bytes(entry.MessageBody), 0) };
    });
}

/** Per request: one send call per queue it fills (≤ 10 messages, ≤ 1 MiB a call), messages by bytes. */
function sqsMinimum(perRequest: AwsCall[][]): { calls: number; messages: number } {
  let calls = 0;
  let messages = 0;
  for (const requestCalls of perRequest) {
    const byQueue = new Map<string, number>();
    for (const send of sent(requestCalls)) byQueue.set(send.queue, (byQueue.get(send.queue) ?? 0) + send.bytes);
    for (const queueBytes of byQueue.values()) {
      const queueMessages = Math.ceil(queueBytes / LIMITS.sqsMessageBytes);
      messages += queueMessages;
      calls += Math.ceil(queueMessages / LIMITS.sqsBatchEntries);
    }
  }
  return { calls, messages };
}

async function queuesEmpty(stack: LocalStack): Promise<boolean> {
  for (const destination of DESTINATIONS) {
    const { Attributes = {} } = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrls[destination].queue,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
      }),
    );
    if (Object.values(Attributes).some((value) => Number(value) > 0)) return false;
  }
  return true;
}

async function post(stack: LocalStack, path: string, headers: Record<string, string>, body: string): Promise<void> {
  const response = await fetch(`${stack.apiUrl}${path}`, { method: "POST", headers, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}: ${text.slice(0, 300)}`);
}

/**
 * The Pushwoosh users one invocation could tag (a user whose batch carries attributes or attribute changes):
 * the worker sends at most one setTags per user per invocation, so this many at least.
 */
function taggedUsers(bodies: string[]): number {
  const users = new Set<string>();
  for (const body of bodies) {
    const item = JSON.parse(body) as { context?: { user?: { identities?: unknown; mpid?: string } }; events?: Array<{ event?: { type?: string } }> };
    const tagged = item.events?.some(({ event }) => event?.type === "user_attributes" || event?.type === "user_attribute_change");
    if (tagged && item.context?.user) users.add(JSON.stringify([item.context.user.identities, item.context.user.mpid]));
  }
  return users.size;
}

export async function countRequests(): Promise<RequestsResult> {
  const sqs = await startLocalSqs({ port: 0 });
  const proxy = await startAwsProxy({ caller: "bench", target: sqs.endpoint });
  const workers: RequestsResult["workers"] = {};
  let pushwooshTaggedUsers = 0;
  const stack = await startLocalStack({
    port: 0,
    sqsEndpoint: proxy.endpoint,
    quiet: true,
    pollerConcurrency: 2,
    onWorkerBatch: (worker, summary) => {
      if (summary.records === 0) return;
      if (worker === "pushwoosh-worker") pushwooshTaggedUsers += taggedUsers(summary.bodies ?? []);
      const entry = (workers[worker] ??= { invocations: 0, messages: 0, totalMs: 0, meanMs: 0 });
      entry.invocations++;
      entry.messages += summary.records;
      entry.totalMs += summary.ms ?? 0;
      entry.meanMs = Math.round((entry.totalMs / entry.invocations) * 10) / 10;
    },
  });
  try {
    const { mparticle, mixpanel, pushwoosh } = stack.sandboxes;
    if (!mparticle || !mixpanel || !pushwoosh) throw new Error("the request counts need all three partner sandboxes (unset the partner URL variables)");
    // Pushwoosh takes only events created in its Control Panel: the workload's events are delivered, not parked.
    pushwoosh.createEvents(...MPARTICLE_CUSTOM_EVENTS);
    await stack.workers.pause();
    const brazeHeaders = { authorization: `Bearer ${stack.secrets.inbound.brazeToken}`, "content-type": "application/json" };
    const brazeCalls: AwsCall[][] = [];
    for (let sequence = 0; sequence < WORKLOAD.brazePosts; sequence++) {
      const from = proxy.calls.length;
      const body = brazeCurrentsBatch(sequence, { size: WORKLOAD.brazeEventsPerPost, users: WORKLOAD.brazeUsers, platforms: BENCH_PLATFORMS });
      await post(stack, "/braze/currents", brazeHeaders, JSON.stringify(body));
      brazeCalls.push(proxy.calls.slice(from));
    }
    const firehoseHeaders = { authorization: `Token ${stack.secrets.inbound.mparticleToken}`, "content-type": "application/json" };
    const firehoseFrom = proxy.calls.length;
    let next = 0;
    await Promise.all(
      Array.from({ length: FIREHOSE_CONCURRENCY }, async () => {
        while (next < WORKLOAD.firehosePosts) {
          const sequence = next++;
          await post(stack, "/mparticle/events", firehoseHeaders, JSON.stringify(mparticleEventsRequest(sequence, WORKLOAD.firehoseUsers)));
        }
      }),
    );
    const firehoseSends = sent(proxy.calls.slice(firehoseFrom));

    const drainFrom = proxy.calls.length;
    const started = performance.now();
    await stack.workers.resume();
    while (!(await queuesEmpty(stack))) {
      if (performance.now() - started > DRAIN_TIMEOUT_MS) throw new Error(`the queues did not drain within ${DRAIN_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const drainSeconds = (performance.now() - started) / 1000;
    await stack.workers.pause();
    const drainCalls = proxy.calls.slice(drainFrom).filter((call) => call.action !== "GetQueueAttributes");

    const brazeSends = brazeCalls.flatMap(sent);
    const brazeMinimum = sqsMinimum(brazeCalls);
    const firehoseMinimum = { calls: firehoseSends.length > 0 ? WORKLOAD.firehosePosts : 0 };
    const workerSends = sent(drainCalls);

    // mParticle: one request authenticates one feed; per feed, its bytes over 256 KB, and at most 100 (one-user) batches a request.
    const feeds = new Map<string, { bytes: number; users: Set<string> }>();
    for (const { feed, batch } of mparticle.accepted) {
      const entry = feeds.get(feed) ?? { bytes: 0, users: new Set<string>() };
      entry.bytes += bytes(JSON.stringify(batch));
      entry.users.add(JSON.stringify(batch.user_identities));
      feeds.set(feed, entry);
    }
    const mparticleMinimum = [...feeds.values()].reduce(
      (sum, feed) => sum + Math.max(Math.ceil(feed.bytes / LIMITS.mparticleRequestBytes), Math.ceil(feed.users.size / LIMITS.mparticleBatchesPerRequest)),
      0,
    );
    const imported = mixpanel.imported;
    const mixpanelBytes = imported.reduce((sum, event) => sum + bytes(JSON.stringify(event)), 0);
    const mixpanelMinimum = Math.max(Math.ceil(imported.length / LIMITS.mixpanelEvents), Math.ceil(mixpanelBytes / LIMITS.mixpanelBytes));
    // Pushwoosh has no bulk event call: one postEvent per event; one setTags per tagged user per worker
    // invocation (the worker merges a user's tags within an invocation, not across them), one registerDevice per device.
    const pushwooshCalls = pushwoosh.callsTo();
    const callsNamed = (method: string) => pushwooshCalls.filter((call) => call.path.endsWith(`/${method}`)).length;
    const pushwooshMinimum = callsNamed("postEvent") + pushwooshTaggedUsers + pushwoosh.state.devices.size;

    const workerSqsCalls: Record<string, number> = {};
    for (const call of drainCalls) workerSqsCalls[call.action] = (workerSqsCalls[call.action] ?? 0) + 1;
    const brazeMessages = brazeSends.reduce((sum, send) => sum + send.messages, 0);
    return {
      drainSeconds,
      workerSqsCalls,
      workers,
      sentBytes: { braze: brazeSends.reduce((sum, send) => sum + send.bytes, 0), firehose: firehoseSends.reduce((sum, send) => sum + send.bytes, 0) },
      counts: [
        {
          name: "requests.sqs",
          description: `SendMessageBatch calls for the workload (${WORKLOAD.brazePosts} Braze posts of ${WORKLOAD.brazeEventsPerPost} events over ${WORKLOAD.brazeUsers} users and 3 platforms, ${WORKLOAD.firehosePosts} Firehose batches over ${WORKLOAD.firehoseUsers} users; ingest and worker re-enqueues); minimum: per request, one call per queue it fills (10 messages, 1 MiB a call)`,
          value: brazeSends.length + firehoseSends.length + workerSends.length,
          minimum: brazeMinimum.calls + firehoseMinimum.calls,
        },
        {
          name: "requests.sqs-messages-per-braze-post",
          description: `SQS messages per ${WORKLOAD.brazeEventsPerPost}-event Braze post (mean); minimum: per destination queue, its bytes over the 1 MiB message limit`,
          value: brazeMessages / WORKLOAD.brazePosts,
          minimum: brazeMinimum.messages / WORKLOAD.brazePosts,
        },
        {
          name: "requests.mparticle",
          description: `POST /v2/bulkevents calls for the Braze events routed to mParticle (${mparticle.accepted.reduce((sum, accepted) => sum + ((accepted.batch.events as unknown[] | undefined)?.length ?? 0), 0)} events); minimum: per feed, max(bytes / 256 KB, users / 100)`,
          value: mparticle.callsTo("/v2/bulkevents").length,
          minimum: mparticleMinimum,
        },
        {
          name: "requests.mixpanel",
          description: `POST /import calls for the ${imported.length} Braze events routed to Mixpanel; minimum: max(events / 2000, bytes / 2 MB)`,
          value: mixpanel.callsTo("/import").length,
          minimum: mixpanelMinimum,
        },
        {
          name: "requests.pushwoosh",
          description: `Pushwoosh calls for the ${WORKLOAD.firehosePosts} Firehose batches (${["setTags", "postEvent", "registerDevice", "bulkSetTags"].map((method) => `${method} ${callsNamed(method)}`).join(", ")}); minimum: one postEvent per event, one setTags per tagged user per worker invocation (${pushwooshTaggedUsers}; ${pushwoosh.state.userTags.size} users in all), one registerDevice per device`,
          value: pushwooshCalls.length,
          minimum: pushwooshMinimum,
        },
      ],
    };
  } finally {
    await stack.stop();
    await proxy.stop();
    await sqs.stop();
  }
}
