import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SendMessageBatchCommandInput } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { DEVELOPMENT_SECRETS } from "../infra/local/devSecrets.js";
import { lambdaContext } from "../infra/local/lambdaContext.js";
import { ensureQueues, startLocalSqs } from "../infra/local/sqs.js";
import { SQSClient } from "@aws-sdk/client-sqs";
import { brazeToMixpanel } from "../shared/flows/brazeToMixpanel.js";
import { brazeToMparticle } from "../shared/flows/brazeToMparticle.js";
import { currentsRoutes } from "../shared/flows/brazeRouting.js";
import { mparticleRoutes } from "../shared/flows/mparticleRoutes.js";
import { mparticleToPushwoosh } from "../shared/flows/mparticleToPushwoosh.js";
import { DESTINATIONS, deadLetterQueueUrlEnvVar, queueUrlEnvVar } from "../shared/queue/definition.js";
import { sqsClient } from "../shared/queue/sqsClient.js";
import type { QueuedEvent, WorkBatch } from "../shared/queue/workItem.js";
import { accept as acceptCurrents } from "../shared/sources/braze/accept.js";
import { accept as acceptFirehose, normaliseEventProcessing } from "../shared/sources/mparticle/accept.js";
import { eventProcessingRequestSchema } from "../shared/sources/mparticle/schema.js";
import { httpApiEvent } from "../test/support/httpApiEvent.js";
import { BENCH_PLATFORMS, brazeCurrentsBatch, mparticleEventsRequest, mparticleWebhookBatch } from "./payloads.js";
import { round, spreadOf, type Spread } from "./stats.js";

/**
 * The per-event figures, in their own process (bench/run.ts forks it) so the stack's workers do not share
 * the event loop: each ingest handler with its real middleware chain and each flow's mapping, every one
 * beside its floor (JSON.parse + JSON.stringify of the same text), interleaved round by round. Writes
 * `MicroFigure[]` as JSON to the file named by its argument; logs and EMF lines go to stdout, which the
 * parent discards (as Lambda ships them to CloudWatch without the handler waiting).
 */

export interface MicroFigure {
  name: string;
  description: string;
  /** µs per event. */
  value: number;
  /** µs per event of JSON.parse + JSON.stringify of the same text, same run, interleaved. */
  floor: number;
  /** µs per event in each round, and value ÷ floor in each round: how sure the medians are. */
  spread: Spread;
  ratioSpread: Spread;
}

const ROUNDS = 11;
const MAPPING_EVENTS = 10_000;
const BRAZE_USERS = 50;
const FIREHOSE_USERS = 200;

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Median over rounds of the per-event time of `work` (run `repeat` times on `events` events) and of the
 * floor (JSON.parse + JSON.stringify of each text in `floorText`, which holds `floorEvents` events), interleaved.
 */
async function interleaved(
  events: number,
  work: () => Promise<void> | void,
  floorText: string[],
  floorEvents: number,
  repeat: number,
): Promise<Omit<MicroFigure, "name" | "description">> {
  const values: number[] = [];
  const floors: number[] = [];
  for (let roundIndex = 0; roundIndex < ROUNDS + 2; roundIndex++) {
    let started = performance.now();
    for (let index = 0; index < repeat; index++) await work();
    const value = ((performance.now() - started) * 1000) / (repeat * events);
    started = performance.now();
    for (const text of floorText) JSON.stringify(JSON.parse(text));
    const floor = ((performance.now() - started) * 1000) / floorEvents;
    // The first two rounds warm the JIT.
    if (roundIndex >= 2) {
      values.push(value);
      floors.push(floor);
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
  return {
    value: round(median(values), 2),
    floor: round(median(floors), 2),
    spread: spreadOf(values),
    ratioSpread: spreadOf(values.map((value, index) => value / (floors[index] as number))),
  };
}

/** Answers SendMessageBatch in the client itself: the SDK builds and serialises the command, nothing is sent. */
function stubSqsSend(): void {
  sqsClient().middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "SendMessageBatchCommand") return next(args);
      const input = args.input as SendMessageBatchCommandInput;
      return {
        output: { Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: entry.Id, MD5OfMessageBody: "" })), Failed: [], $metadata: {} },
        response: {},
      } as never;
    },
    { step: "initialize", name: "benchSqsStub" },
  );
}

async function ingestCases(mode: "stubbed" | "sqs"): Promise<MicroFigure[]> {
  const braze = (await import("../functions/braze-currents.js")).handler as HttpHandler;
  const firehose = (await import("../functions/mparticle-events.js")).handler as HttpHandler;
  const webhook = (await import("../functions/mparticle-webhook.js")).handler as HttpHandler;
  // A fresh context per invocation: its deadline (10 s, as deployed) runs from creation.
  const context = () => lambdaContext("bench", 10, process.env.AWS_REGION ?? "us-east-1");
  const brazeToken = DEVELOPMENT_SECRETS.inbound.brazeToken;
  const mparticleToken = DEVELOPMENT_SECRETS.inbound.mparticleToken;
  const webhookAuthorization = DEVELOPMENT_SECRETS.inbound.mparticleWebhookAuthorization ?? "";
  const suffix = mode === "sqs" ? ".sqs" : "";
  const where = mode === "sqs" ? "sent to the embedded SQS" : "SQS send stubbed in the SDK client";
  let sequence = 0;
  const brazeBody = () => JSON.stringify(brazeCurrentsBatch(sequence++, { users: BRAZE_USERS, platforms: BENCH_PLATFORMS }));
  const firehoseBody = () => JSON.stringify(mparticleEventsRequest(sequence++, FIREHOSE_USERS));
  const webhookBody = () => JSON.stringify(mparticleWebhookBatch(sequence++, FIREHOSE_USERS));
  const check = (answer: APIGatewayProxyStructuredResultV2) => {
    if (answer.statusCode !== 200) throw new Error(`ingest answered ${answer.statusCode}: ${String(answer.body).slice(0, 300)}`);
  };
  const figures: MicroFigure[] = [];
  {
    const bodies = Array.from({ length: 40 }, brazeBody);
    let next = 0;
    const events = (JSON.parse(bodies[0] as string) as { events: unknown[] }).events.length;
    const headers = { authorization: `Bearer ${brazeToken}` };
    const result = await interleaved(
      events,
      async () => check(await braze(httpApiEvent("/braze/currents", bodies[next++ % bodies.length], { headers }), context())),
      bodies.slice(0, 10),
      10 * events,
      10,
    );
    figures.push({ name: `ingest.braze${suffix}`, description: `POST /braze/currents handler, ${events} events, ${where}; µs per event`, ...result });
  }
  {
    const bodies = Array.from({ length: 40 }, firehoseBody);
    let next = 0;
    const events = (JSON.parse(bodies[0] as string) as { events: unknown[] }).events.length;
    const headers = { authorization: `Token ${mparticleToken}` };
    const result = await interleaved(
      events,
      async () => check(await firehose(httpApiEvent("/mparticle/events", bodies[next++ % bodies.length], { headers }), context())),
      bodies,
      40 * events,
      40,
    );
    figures.push({ name: `ingest.mparticle${suffix}`, description: `POST /mparticle/events handler, ${events} events, ${where}; µs per event`, ...result });
  }
  {
    const bodies = Array.from({ length: 40 }, webhookBody);
    let next = 0;
    const events = (JSON.parse(bodies[0] as string) as { events: unknown[] }).events.length;
    const headers = { authorization: webhookAuthorization };
    const result = await interleaved(
      events,
      async () => check(await webhook(httpApiEvent("/mparticle/webhook", bodies[next++ % bodies.length], { headers }), context())),
      bodies,
      40 * events,
      40,
    );
    figures.push({
      name: `ingest.mparticle-webhook${suffix}`,
      description: `POST /mparticle/webhook handler, one batch of ${events} events, ${where}; µs per event`,
      ...result,
    });
  }
  return figures;
}

/** Queued events as the worker reads them: through JSON, as a message body carries them. */
function asQueued(batches: WorkBatch[]): Array<{ events: QueuedEvent[]; context: unknown; text: string[] }> {
  return batches.map((batch) => {
    const text = batch.events.map((event) => JSON.stringify(event.event));
    return { events: JSON.parse(JSON.stringify(batch.events)) as QueuedEvent[], context: batch.context, text };
  });
}

async function mappingCases(): Promise<MicroFigure[]> {
  const now = new Date().toISOString();
  // Every Braze event through both flows (routing is ingest's job; the mapping takes any Braze event).
  const everyBrazeType = [{ flow: "all", destination: "mixpanel" as const, takes: () => true }];
  const brazeBatches: WorkBatch[] = [];
  for (let sequence = 0; sequence * 100 < MAPPING_EVENTS; sequence++) {
    const body = brazeCurrentsBatch(sequence, { users: BRAZE_USERS, platforms: BENCH_PLATFORMS });
    brazeBatches.push(...acceptCurrents(body.events, { correlationId: "bench", receivedAt: now, routes: everyBrazeType }).workItems);
  }
  const firehoseBatches: WorkBatch[] = [];
  const routes = await mparticleRoutes();
  for (let sequence = 0; firehoseBatches.reduce((sum, batch) => sum + batch.events.length, 0) < MAPPING_EVENTS; sequence++) {
    const request = eventProcessingRequestSchema.parse(mparticleEventsRequest(sequence, FIREHOSE_USERS));
    firehoseBatches.push(...acceptFirehose([normaliseEventProcessing(request)], { correlationId: "bench", receivedAt: now, routes }).workItems);
  }
  const figures: MicroFigure[] = [];
  const cases = [
    { name: "mapping.braze-mparticle", flow: brazeToMparticle, messages: asQueued(brazeBatches), what: "Braze events" },
    { name: "mapping.braze-mixpanel", flow: brazeToMixpanel, messages: asQueued(brazeBatches), what: "Braze events" },
    { name: "mapping.mparticle-pushwoosh", flow: mparticleToPushwoosh, messages: asQueued(firehoseBatches), what: "Firehose events" },
  ];
  for (const { name, flow, messages, what } of cases) {
    const events = messages.reduce((sum, message) => sum + message.events.length, 0);
    const result = await interleaved(
      events,
      () => {
        for (const message of messages) {
          const { failed } = flow.mapMessage(message.events, message.context);
          if (failed.size > 0) throw new Error(`${name}: ${[...failed.values()][0]?.message}`);
        }
      },
      messages.flatMap((message) => message.text),
      events,
      1,
    );
    figures.push({ name, description: `${flow.name} mapMessage (validation + mapping) over ${events} ${what} with fresh ids; µs per event`, ...result });
  }
  return figures;
}

async function main(): Promise<void> {
  const output = process.argv[2];
  if (!output) throw new Error("usage: micro.ts <results.json>");
  const folder = await mkdtemp(join(tmpdir(), "cdp-relay-bench-"));
  const sqs = await startLocalSqs({ port: 0 });
  try {
    const secretsFile = join(folder, "secrets.json");
    await writeFile(secretsFile, JSON.stringify(DEVELOPMENT_SECRETS), { mode: 0o600 });
    Object.assign(process.env, { RELAY_SECRETS_FILE: secretsFile, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" });
    process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
    const client = new SQSClient({ endpoint: sqs.endpoint, region: "us-east-1" });
    const urls = await ensureQueues(client);
    client.destroy();
    for (const destination of DESTINATIONS) {
      process.env[queueUrlEnvVar(destination)] = urls[destination].queue;
      process.env[deadLetterQueueUrlEnvVar(destination)] = urls[destination].dlq;
    }
    if (currentsRoutes().length !== 2) throw new Error("the bench expects Braze routed to mParticle and Mixpanel");
    const figures = [...(await mappingCases())];
    stubSqsSend();
    figures.push(...(await ingestCases("stubbed")));
    // A new endpoint gets a new client: the stub stays behind with the old one.
    process.env.AWS_ENDPOINT_URL_SQS = `${sqs.endpoint}/`;
    figures.push(...(await ingestCases("sqs")));
    await writeFile(output, JSON.stringify(figures));
  } finally {
    await sqs.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
