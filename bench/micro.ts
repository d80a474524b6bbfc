import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { DEVELOPMENT_SECRETS } from "../infra/local/devSecrets.js";
import { lambdaContext } from "../infra/local/lambdaContext.js";
import { ensureQueues } from "../infra/local/sqs.js";
import { SQSClient } from "@aws-sdk/client-sqs";
import { brazeToMixpanel } from "../shared/flows/brazeToMixpanel.js";
import { brazeToMparticle } from "../shared/flows/brazeToMparticle.js";
import { currentsRoutes } from "../shared/flows/brazeRouting.js";
import { mparticleRoutes } from "../shared/flows/mparticleRoutes.js";
import { mparticleToPushwoosh } from "../shared/flows/mparticleToPushwoosh.js";
import { DESTINATIONS, deadLetterQueueUrlEnvVar, queueUrlEnvVar } from "../shared/queue/definition.js";
import type { QueuedEvent, WorkBatch } from "../shared/queue/workItem.js";
import { accept as acceptCurrents } from "../shared/sources/braze/accept.js";
import { accept as acceptFirehose, normaliseEventProcessing } from "../shared/sources/mparticle/accept.js";
import { eventProcessingRequestSchema } from "../shared/sources/mparticle/schema.js";
import { httpApiEvent } from "../test/support/httpApiEvent.js";
import { BENCH_PLATFORMS, brazeCurrentsBatch, mparticleEventsRequest, mparticleWebhookBatch } from "./payloads.js";
import { interleaved, MICRO_GROUPS, selection, setClock, setRounds, stubSqsSend, type MicroFigure, type MicroGroup } from "./microTiming.js";
import { pathCases } from "./path.js";
import { startSqsProcess } from "./sqsProcess.js";

/**
 * The per-event figures, in their own process (bench/run.ts forks it) so the stack's workers do not share
 * the event loop: each ingest handler with its real middleware chain and each flow's mapping, every one
 * beside its floor (JSON.parse + JSON.stringify of the same text), interleaved round by round. Writes
 * `MicroFigure[]` as JSON to the file named by its argument; logs and EMF lines go to stdout, which the
 * parent discards (as Lambda ships them to CloudWatch without the handler waiting).
 */

export type { MicroFigure } from "./microTiming.js";

const MAPPING_EVENTS = 10_000;
const BRAZE_USERS = 50;
const FIREHOSE_USERS = 200;

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

async function ingestCases(mode: "stubbed" | "sqs", wanted: (figure: string) => boolean): Promise<MicroFigure[]> {
  // Each door's function is loaded only when its figure runs, as a container loads only its own.
  const braze = async () => (await import("../functions/braze-currents.js")).handler as HttpHandler;
  const firehose = async () => (await import("../functions/mparticle-events.js")).handler as HttpHandler;
  const webhook = async () => (await import("../functions/mparticle-webhook.js")).handler as HttpHandler;
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
  /**
   * One door's figure: `requestsPerRound` requests per timed round, cycling through 40 bodies, beside the floor of
   * the same bodies. Rounds are long enough (100–150 ms here) that the code is measured warm, as a container
   * serving traffic runs it (init.* measures it cold): in rounds of a few milliseconds the optimising compiler's
   * background work and the odd garbage collection made a door's median up to three times its steady cost.
   */
  interface Door {
    name: string;
    path: string;
    load: () => Promise<HttpHandler>;
    body: () => string;
    authorization: string;
    requestsPerRound: number;
  }
  const doorFigure = async ({ name, path, load, body, authorization, requestsPerRound }: Door) => {
    const handler = await load();
    const bodies = Array.from({ length: 40 }, body);
    const roundBodies = Array.from({ length: requestsPerRound }, (_, index) => bodies[index % bodies.length] as string);
    let next = 0;
    const events = (JSON.parse(bodies[0] as string) as { events: unknown[] }).events.length;
    const headers = { authorization };
    const result = await interleaved(
      events,
      async () => check(await handler(httpApiEvent(path, bodies[next++ % bodies.length], { headers }), context())),
      roundBodies,
      requestsPerRound * events,
      requestsPerRound,
    );
    return { name: `${name}${suffix}`, description: `POST ${path} handler, ${events} events per request, ${where}; µs per event`, ...result };
  };
  const doors: Door[] = [
    { name: "ingest.braze", path: "/braze/currents", load: braze, body: brazeBody, authorization: `Bearer ${brazeToken}`, requestsPerRound: 100 },
    {
      name: "ingest.mparticle",
      path: "/mparticle/events",
      load: firehose,
      body: firehoseBody,
      authorization: `Token ${mparticleToken}`,
      requestsPerRound: 1000,
    },
    {
      name: "ingest.mparticle-webhook",
      path: "/mparticle/webhook",
      load: webhook,
      body: webhookBody,
      authorization: webhookAuthorization,
      requestsPerRound: 1000,
    },
  ];
  const figures: MicroFigure[] = [];
  for (const door of doors) if (wanted(`${door.name}${suffix}`)) figures.push(await doorFigure(door));
  return figures;
}

/** Queued events as the worker reads them: through JSON, as a message body carries them. */
function asQueued(batches: WorkBatch[]): Array<{ events: QueuedEvent[]; context: unknown; text: string[] }> {
  return batches.map((batch) => {
    const text = batch.events.map((event) => JSON.stringify(event.event));
    return { events: JSON.parse(JSON.stringify(batch.events)) as QueuedEvent[], context: batch.context, text };
  });
}

async function mappingCases(wanted: (figure: string) => boolean): Promise<MicroFigure[]> {
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
  for (const { name, flow, messages, what } of cases.filter((each) => wanted(each.name))) {
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

/** `npx tsx bench/micro.ts <out.json> [--rounds N] [--clock wall|cpu] [group or figure ...]` measures some alone (none named: all). */
async function main(): Promise<void> {
  const [output, ...rest] = process.argv.slice(2);
  if (!output) throw new Error("usage: micro.ts <results.json> [--rounds N] [--clock wall|cpu] [group or figure ...]");
  const roundsAt = rest.indexOf("--rounds");
  if (roundsAt >= 0) setRounds(Number(rest.splice(roundsAt, 2)[1]));
  const clockAt = rest.indexOf("--clock");
  if (clockAt >= 0) setClock(rest.splice(clockAt, 2)[1]);
  const wanted = selection(rest);
  const runs = (group: MicroGroup) => MICRO_GROUPS[group].some(wanted);
  const folder = await mkdtemp(join(tmpdir(), "cdp-relay-bench-"));
  const sqs = await startSqsProcess();
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
    const figures: MicroFigure[] = runs("mapping") ? await mappingCases(wanted) : [];
    stubSqsSend();
    if (runs("ingest")) figures.push(...(await ingestCases("stubbed", wanted)));
    if (runs("path")) figures.push(...(await pathCases(wanted)));
    // A new endpoint gets a new client: the stub stays behind with the old one.
    process.env.AWS_ENDPOINT_URL_SQS = `${sqs.endpoint}/`;
    if (runs("ingest.sqs")) figures.push(...(await ingestCases("sqs", wanted)));
    await writeFile(output, JSON.stringify(figures));
    // stdout carries the handlers' log lines (discarded by bench/run.ts): the table goes to stderr.
    for (const figure of figures) console.error(`${figure.name.padEnd(32)} ${figure.value} µs/event, floor ${figure.floor}: ${figure.ratio}×`);
  } finally {
    await sqs.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
