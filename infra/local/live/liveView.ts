import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { DEFAULT_DLQ_SETTINGS } from "../../../cli/dlq/context.js";
import { toDlqEntry } from "../../../cli/dlq/entry.js";
import { resolveDlq } from "../../../cli/dlq/queues.js";
import { peekMessages } from "../../../cli/dlq/reader.js";
import { redrive } from "../../../cli/dlq/redrive.js";
import { redact } from "../../../cli/redact.js";
import { DESTINATIONS, isDestination } from "../../../shared/queue/definition.js";
import type { EmbeddedSqsApp, QueueUrls } from "../sqs.js";
import { PushwooshSandbox } from "../sandboxes/pushwoosh.js";
import { injectedAnswer, type PartnerSandbox, type RecordedCall } from "../sandboxes/sandbox.js";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { LocalEventSourceMapping } from "../lambdaApi.js";
import { stringifyExactJson } from "./exactJson.js";
import { FaultSwitches, SwitchError, faultName, parseCredentials, parseFaultSwitch, parseRateSwitch } from "./faultSwitches.js";
import { linkedTo, redactUrl, watchPartnerCalls } from "./partnerCalls.js";
import { watchQueues } from "./queueWatch.js";
import { LiveRecorder, parseBodyText } from "./recorder.js";
import { INVOCATION_HEADER, LiveTracer } from "./trace.js";

/**
 * The local stack's live view: what came in, what it became, what the partners were asked and answered,
 * and the switches that make a partner fail. Served by the local HTTP API under /_live and /_sandbox
 * only; nothing here is part of the deployed stack. The HTTP API is documented in docs/operations.md.
 */
const PAGE = new URL("./page.html", import.meta.url);
/** Comments on an idle stream, so proxies and browsers keep it open. */
const KEEPALIVE_MS = 15_000;

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** 64-bit integers go out as the digits that came in (exactJson.ts). */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(stringifyExactJson(body));
}

/**
 * Writes take JSON only: a web page elsewhere cannot send application/json to loopback without a CORS
 * preflight, which this server never grants.
 */
function jsonBody(req: IncomingMessage, body: Buffer): unknown {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
    throw new HttpError(415, "send Content-Type: application/json", "content-type");
  }
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    throw new HttpError(400, "the body is not valid JSON", "body");
  }
}

function answerOf(call: RecordedCall): { headers: Record<string, string>; body: unknown } | undefined {
  const answer = call.answer ?? (call.fault?.kind === "status" ? injectedAnswer(call.fault) : undefined);
  return answer && { headers: answer.headers ?? {}, body: answer.body };
}

export interface LiveViewOptions {
  sqs: SQSClient;
  queueUrls: QueueUrls;
}

/**
 * A destination's partner as the relay sees it: down while its worker has paused its event source mapping
 * (the worker's own decision, read from the Lambda API stand-in), and the events waiting for it.
 */
export interface PartnerView {
  destination: string;
  /** The worker's event source mapping: Enabled, Disabling, Disabled, Enabling. */
  consumption: string;
  down: boolean;
  /** When the worker paused consumption (ISO), or null. */
  downSince: string | null;
  /** Events waiting for the partner: the whole queue while paused (visible and delayed), else the delayed held copies. */
  held: number;
  queue: { visible: number; delayed: number; inFlight: number };
}

export class LiveView {
  readonly recorder = new LiveRecorder();
  private readonly mappings = new Map<string, { mapping: LocalEventSourceMapping; downSince: string | null }>();
  readonly tracer = new LiveTracer(this.recorder);
  private readonly sandboxes: Record<string, PartnerSandbox> = {};
  private readonly switches = new FaultSwitches(this.sandboxes);
  private readonly stoppers: Array<() => void> = [() => this.tracer.stop(), watchPartnerCalls(this.tracer, this.recorder)];
  private options: LiveViewOptions | undefined;

  /** Records the sandbox's calls, linked to the worker invocation that made them. */
  addSandbox(sandbox: PartnerSandbox): void {
    this.sandboxes[sandbox.partner] = sandbox;
    this.tracer.addSandbox(sandbox.url);
    this.stoppers.push(sandbox.observeCalls((call) => this.recordCall(sandbox, call)));
  }

  /** A worker's event source mapping: a pause means its partner is down, a resume that it answers again. */
  watchMapping(destination: string, mapping: LocalEventSourceMapping): void {
    const watched = { mapping, downSince: null as string | null };
    this.mappings.set(destination, watched);
    let wasEnabled = mapping.enabled;
    this.stoppers.push(
      mapping.onChange(() => {
        if (mapping.enabled === wasEnabled) return;
        wasEnabled = mapping.enabled;
        watched.downSince = mapping.enabled ? null : new Date().toISOString();
        this.recorder.add({
          kind: "notice",
          message: mapping.enabled
            ? `${destination}: the partner answered a probe; the worker resumed consumption`
            : `${destination}: the partner is down; the worker paused consumption and holds its events (a probe every PARTNER_PROBE_SECONDS)`,
        });
      }),
    );
  }

  /** The embedded SQS, before it listens (an external SQS endpoint is not watched: no work items shown). */
  watchQueues(app: EmbeddedSqsApp): void {
    this.stoppers.push(watchQueues(app, this.recorder));
  }

  /** The queues, once they exist: the parked list and the redrive need them. */
  useQueues(options: LiveViewOptions): void {
    this.options = options;
  }

  stop(): void {
    for (const stop of this.stoppers.splice(0)) stop();
  }

  private recordCall(sandbox: PartnerSandbox, call: RecordedCall): void {
    const invocation = this.tracer.invocationOf(call.headers[INVOCATION_HEADER]);
    const workItems = invocation?.workItems ?? [];
    const query = call.query.toString();
    this.recorder.add(() => ({
      kind: "partnerCall",
      partner: sandbox.partner,
      method: call.method,
      url: redactUrl(`${sandbox.url}${call.path}${query ? `?${query}` : ""}`),
      status: call.status,
      fault: call.fault && faultName(call.fault),
      requestBody: parseBodyText(call.body.toString("utf8")),
      // The partner's own answer; for an injected status, the one the client got in its place.
      answer: answerOf(call),
      ...linkedTo(workItems),
    }));
  }

  /** Answers /_live and /_sandbox requests; false for any other path. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/_live" && !path.startsWith("/_live/") && path !== "/_sandbox" && !path.startsWith("/_sandbox/")) return false;
    try {
      await this.route(req.method ?? "GET", path, req, res, body);
    } catch (error) {
      if (error instanceof HttpError || error instanceof SwitchError) {
        const status = error instanceof HttpError ? error.status : 400;
        sendJson(res, status, { error: { message: error.message, field: error.field } });
      } else {
        sendJson(res, 500, { error: { message: redact(error instanceof Error ? error.message : String(error)) } });
      }
    }
    return true;
  };

  private async route(method: string, path: string, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const key = `${method} ${path}`;
    if (key === "GET /_live") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(await readFile(PAGE));
      return;
    }
    if (key === "GET /_live/events") return this.stream(req, res);
    if (key === "GET /_live/records") return sendJson(res, 200, this.recorder.snapshot());
    if (key === "GET /_live/parked") return sendJson(res, 200, await this.parked());
    if (key === "POST /_live/redrive") return sendJson(res, 200, await this.redrive(jsonBody(req, body)));
    if (key === "GET /_live/partners") return sendJson(res, 200, await this.partners());
    if (key === "GET /_sandbox") return sendJson(res, 200, this.switches.state());

    const match = /^\/_sandbox\/([a-z]+)\/(faults|calls|credentials|rate)$/.exec(path);
    const sandbox = match?.[1] ? this.switches.sandbox(match[1]) : undefined;
    if (!match || !sandbox) throw new HttpError(404, `no such live view or sandbox path: ${method} ${path}`, "path");
    const state = () => sendJson(res, 200, this.switches.state()[sandbox.partner]);
    switch (`${method} ${match[2]}`) {
      case "POST faults":
        this.switches.switchOn(sandbox, parseFaultSwitch(jsonBody(req, body)));
        return state();
      case "DELETE faults":
        this.switches.switchOff(sandbox);
        return state();
      case "POST rate":
        this.switches.enforceRate(sandbox, parseRateSwitch(jsonBody(req, body)));
        return state();
      case "DELETE rate":
        this.switches.enforceRate(sandbox, undefined);
        return state();
      case "GET calls":
        return sendJson(
          res,
          200,
          sandbox.calls.map((call) =>
            redact({
              method: call.method,
              path: call.path,
              status: call.status,
              fault: call.fault ? faultName(call.fault) : null,
              at: new Date(call.at).toISOString(),
              headers: call.headers,
              body: call.json,
              answer: answerOf(call)?.body ?? null,
            }),
          ),
        );
      case "PUT credentials":
      case "DELETE credentials":
        if (!(sandbox instanceof PushwooshSandbox)) throw new HttpError(404, "only the pushwoosh sandbox checks credentials", "path");
        this.switches.replaceCredentials(sandbox, method === "PUT" ? parseCredentials(jsonBody(req, body)) : undefined);
        return state();
      default:
        throw new HttpError(405, `${method} is not allowed on ${path}`, "method");
    }
  }

  /** Server-sent events: every record kept so far (or since Last-Event-ID), then each new one as it happens. */
  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    // A comment first, so the browser sees the stream open before the first record.
    res.write(": cdp-relay live view\n\n");
    const send = (record: { seq: number }) => res.write(`id: ${record.seq}\ndata: ${stringifyExactJson(record)}\n\n`);
    const after = Number(req.headers["last-event-id"]) || 0;
    for (const record of this.recorder.snapshot()) if (record.seq > after) send(record);
    const unsubscribe = this.recorder.subscribe(send);
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
    res.on("close", () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  }

  private queues(): LiveViewOptions {
    if (!this.options) throw new HttpError(503, "the queues are not ready yet", "queue");
    return this.options;
  }

  /** Each destination's partner: down or not (its worker's mapping) and the events held for it (its queue's counts). */
  private async partners(): Promise<{ partners: PartnerView[] }> {
    const { sqs, queueUrls } = this.queues();
    const partners = await Promise.all(
      [...this.mappings].map(async ([destination, { mapping, downSince }]) => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrls[destination as keyof QueueUrls].queue,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible"],
          }),
        );
        const queue = {
          visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
          delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
          inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
        };
        const down = !mapping.enabled;
        return { destination, consumption: mapping.currentState, down, downSince, held: down ? queue.visible + queue.delayed : queue.delayed, queue };
      }),
    );
    return { partners };
  }

  /** What sits in each DLQ, read the way `cdp-relay dlq list` reads it (messages stay where they are). */
  private async parked(): Promise<Json> {
    const { sqs, queueUrls } = this.queues();
    const queues = await Promise.all(
      DESTINATIONS.map(async (destination) => {
        const messages = await peekMessages(sqs, queueUrls[destination].dlq, { waitTimeSeconds: 0 });
        return { destination, entries: messages.map((message) => toDlqEntry(message, destination)) };
      }),
    );
    return { queues };
  }

  /** `cdp-relay dlq redrive --queue <destination> [--reason <reason>]`, run in-process. */
  private async redrive(body: unknown): Promise<Json> {
    const { sqs } = this.queues();
    const { queue, reason } = (body ?? {}) as { queue?: unknown; reason?: unknown };
    if (typeof queue !== "string" || !isDestination(queue)) throw new HttpError(400, `queue must be one of ${DESTINATIONS.join(", ")}`, "queue");
    if (reason !== undefined && typeof reason !== "string") throw new HttpError(400, "reason must be a string", "reason");
    const output: string[] = [];
    const io = { stdout: { write: (text: string) => output.push(text) }, stderr: { write: (text: string) => output.push(text) }, stdin: Readable.from([]) };
    await redrive({ sqs, io, target: await resolveDlq(sqs, { queue }), settings: DEFAULT_DLQ_SETTINGS }, { dryRun: false, reason });
    const text = output.join("").trim();
    this.recorder.add({ kind: "notice", message: `redrive ${queue}${reason ? ` (${reason})` : ""}: ${text}` });
    return { queue, reason: reason ?? null, output: text };
  }
}
