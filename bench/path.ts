import type { Message, SendMessageBatchCommandInput } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { DEVELOPMENT_SECRETS } from "../infra/local/devSecrets.js";
import { lambdaContext } from "../infra/local/lambdaContext.js";
import { toRecord } from "../infra/local/poller.js";
import { workerFor } from "../infra/wiring.js";
import type { Destination } from "../shared/queue/definition.js";
import { httpApiEvent } from "../test/support/httpApiEvent.js";
import { interleaved, listenToSentBatches, type MicroFigure } from "./microTiming.js";
import { BENCH_PLATFORMS, brazeCurrentsBatch, mparticleEventsRequest } from "./payloads.js";

/**
 * The whole path of an event inside the relay (issue 21): the deployed ingest handler with SQS stubbed in the
 * SDK client (the message bodies it would send are kept), then the deployed worker handler on those messages
 * as Lambda's event source mapping passes them (the wiring's batch size): record parse, validation, mapping,
 * the partner limits and the partner request bodies, with `fetch` answering success at once. The floor is
 * what a relay that only moved JSON would do: parse and serialise the request body, then parse and serialise
 * each queue message body it made.
 */

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const REGION = "us-east-1";
const BENCH_PARTNERS: Record<Destination, { variable: string; url: string; status: number; body: string }> = {
  mixpanel: { variable: "MIXPANEL_API_URL", url: "http://mixpanel.bench", status: 200, body: '{"code":200,"status":"OK"}' },
  mparticle: { variable: "MPARTICLE_API_URL", url: "http://mparticle.bench", status: 202, body: "" },
  pushwoosh: { variable: "PUSHWOOSH_API_URL", url: "http://pushwoosh.bench", status: 200, body: '{"status_code":200,"status_message":"OK","response":{}}' },
};

/** What partnerRequest reads of a fetch answer. */
type StandInAnswer = Pick<Response, "status" | "ok" | "headers" | "text">;
const JSON_HEADERS = new Headers({ "content-type": "application/json" });

/**
 * Partner calls answered success in-process: the request is built to the last byte, nothing is sent. The
 * stand-in is the network, as the SQS stub is the SDK's serialiser and HTTP client: it answers with what the
 * relay reads of a `Response`, not with undici's own, whose body stream cost 14–20 µs a call (more than the
 * relay's whole work per event on the Pushwoosh path, where each event is a call).
 */
function stubPartners(): () => void {
  const realFetch = globalThis.fetch;
  for (const partner of Object.values(BENCH_PARTNERS)) process.env[partner.variable] = partner.url;
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    const partner = Object.values(BENCH_PARTNERS).find((candidate) => url.startsWith(candidate.url));
    if (!partner) throw new Error(`bench path: unexpected fetch of ${url}`);
    const answer: StandInAnswer = { status: partner.status, ok: true, headers: JSON_HEADERS, text: () => Promise.resolve(partner.body) };
    return answer as Response;
  }) as typeof fetch;
  return () => {
    globalThis.fetch = realFetch;
  };
}

interface PathCase {
  name: string;
  description: string;
  path: string;
  headers: Record<string, string>;
  /** Request bodies, used in turn. */
  bodies: string[];
  destination: Destination;
  /** Requests per worker round (enough to fill the destination's batches as the event source mapping would). */
  requestsPerRound: number;
  /** The Braze routing switches this path runs with (the other destination off: equal work). */
  environment?: Record<string, string>;
}

function pathCasesToRun(): PathCase[] {
  let sequence = 0;
  const braze = Array.from({ length: 40 }, () => JSON.stringify(brazeCurrentsBatch(sequence++, { users: 50, platforms: BENCH_PLATFORMS })));
  const firehose = Array.from({ length: 40 }, () => JSON.stringify(mparticleEventsRequest(sequence++, 200)));
  const brazeHeaders = { authorization: `Bearer ${DEVELOPMENT_SECRETS.inbound.brazeToken}` };
  return [
    {
      name: "path.braze-mixpanel",
      description: "POST /braze/currents (100 events, Mixpanel only) through the mixpanel-worker's import bodies",
      path: "/braze/currents",
      headers: brazeHeaders,
      bodies: braze,
      destination: "mixpanel",
      requestsPerRound: 20,
      environment: { BRAZE_TO_MPARTICLE: "off", BRAZE_TO_MIXPANEL: "on" },
    },
    {
      name: "path.braze-mparticle",
      description: "POST /braze/currents (100 events, mParticle only) through the mparticle-worker's bulk bodies",
      path: "/braze/currents",
      headers: brazeHeaders,
      bodies: braze,
      destination: "mparticle",
      requestsPerRound: 20,
      environment: { BRAZE_TO_MPARTICLE: "on", BRAZE_TO_MIXPANEL: "off" },
    },
    {
      name: "path.mparticle-pushwoosh",
      description: "POST /mparticle/events (5 events) through the pushwoosh-worker's calls",
      path: "/mparticle/events",
      headers: { authorization: `Token ${DEVELOPMENT_SECRETS.inbound.mparticleToken}` },
      bodies: firehose,
      destination: "pushwoosh",
      requestsPerRound: 20,
    },
  ];
}

function eventsIn(body: string): number {
  return (JSON.parse(body) as { events: unknown[] }).events.length;
}

/** One round: `requests` ingest calls, then the destination's worker over the messages they made, batch by batch. */
async function runRound(benchCase: PathCase, ingest: HttpHandler, worker: WorkerHandler, bodies: string[], sent: Message[]): Promise<void> {
  sent.length = 0;
  for (const body of bodies) {
    const answer = await ingest(httpApiEvent(benchCase.path, body, { headers: benchCase.headers }), lambdaContext("bench", 10, REGION));
    if (answer.statusCode !== 200) throw new Error(`${benchCase.name}: ingest answered ${answer.statusCode}: ${String(answer.body).slice(0, 300)}`);
  }
  const { batchSize } = workerFor(benchCase.destination).trigger.eventSource;
  const queueArn = `arn:aws:sqs:${REGION}:000000000000:cdp-relay-${benchCase.destination}`;
  for (let start = 0; start < sent.length; start += batchSize) {
    const Records = sent.slice(start, start + batchSize).map((message) => toRecord(message, queueArn, REGION));
    const answer = await worker({ Records }, lambdaContext("bench-worker", 60, REGION));
    if (answer.batchItemFailures.length > 0) throw new Error(`${benchCase.name}: the worker failed ${answer.batchItemFailures.length} message(s)`);
  }
}

/** The path figures (those `wanted`); SQS must already be stubbed (stubSqsSend). */
export async function pathCases(wanted: (figure: string) => boolean = () => true): Promise<MicroFigure[]> {
  const restoreFetch = stubPartners();
  const sent: Message[] = [];
  let sequence = 0;
  listenToSentBatches((input: SendMessageBatchCommandInput) => {
    for (const entry of input.Entries ?? [])
      sent.push({ MessageId: `bench-${sequence++}`, Body: entry.MessageBody, MessageAttributes: entry.MessageAttributes });
  });
  const handlers: Record<string, HttpHandler> = {
    "/braze/currents": (await import("../functions/braze-currents.js")).handler as HttpHandler,
    "/mparticle/events": (await import("../functions/mparticle-events.js")).handler as HttpHandler,
  };
  const workers: Record<Destination, WorkerHandler> = {
    mixpanel: (await import("../functions/mixpanel-worker.js")).handler as WorkerHandler,
    mparticle: (await import("../functions/mparticle-worker.js")).handler as WorkerHandler,
    pushwoosh: (await import("../functions/pushwoosh-worker.js")).handler as WorkerHandler,
  };
  const figures: MicroFigure[] = [];
  try {
    for (const benchCase of pathCasesToRun().filter((each) => wanted(each.name))) {
      const saved = Object.fromEntries(Object.keys(benchCase.environment ?? {}).map((name) => [name, process.env[name]]));
      Object.assign(process.env, benchCase.environment);
      const ingest = handlers[benchCase.path] as HttpHandler;
      const worker = workers[benchCase.destination];
      const rounds = Math.ceil(benchCase.bodies.length / benchCase.requestsPerRound);
      const roundBodies = Array.from({ length: rounds }, (_, index) =>
        benchCase.bodies.slice(index * benchCase.requestsPerRound, (index + 1) * benchCase.requestsPerRound),
      );
      // The floor's texts: every request body and every message body the relay made of them.
      const floorText = [...benchCase.bodies];
      for (const bodies of roundBodies) {
        await runRound(benchCase, ingest, worker, bodies, sent);
        floorText.push(...sent.map((message) => message.Body ?? ""));
      }
      const events = benchCase.bodies.reduce((sum, body) => sum + eventsIn(body), 0);
      let next = 0;
      const result = await interleaved(
        events / rounds,
        () => runRound(benchCase, ingest, worker, roundBodies[next++ % rounds] as string[], sent),
        floorText,
        events,
        rounds,
      );
      figures.push({ name: benchCase.name, description: `${benchCase.description}, SQS and partners stubbed; µs per event`, ...result });
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  } finally {
    listenToSentBatches(undefined);
    restoreFetch();
  }
  return figures;
}
