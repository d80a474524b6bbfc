import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";

/**
 * The base of every partner sandbox: a real HTTP server on loopback that records each call, answers
 * through the partner-specific `answer` function, and injects faults on demand. The partner modules
 * (pushwoosh.ts, mparticle.ts, mixpanel.ts) validate requests the way the partner does.
 */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body after Content-Encoding was undone. */
  body: Buffer;
}

export interface SandboxAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A fault answers in the partner's place (status), or holds or drops the connection. `afterProcessing`
 * lets the partner process the request first and then loses the answer: the client sees a timeout or
 * a reset for a request that took effect, the case that makes at-least-once delivery send twice.
 */
export type Fault =
  | { kind: "status"; status: number; retryAfterSeconds?: number; body?: unknown }
  | { kind: "delay"; ms: number; afterProcessing?: boolean }
  | { kind: "reset"; afterProcessing?: boolean };

/** One call as received, before anything is deduplicated: the raw log deliveries are counted from. */
export interface RecordedCall extends SandboxRequest {
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  /** What the client got: an HTTP status, or "reset" when it got no answer (dropped, or it gave up waiting). */
  status: number | "reset";
  fault?: Fault;
  /** The partner's own answer when the request reached it; its effects stand even if the client never saw it. */
  answer?: SandboxAnswer;
  at: number;
}

/**
 * A replayable fault plan: the fault of a call is a pure function of (seed, partner, key, attempt), where
 * `key` names the logical request and `attempt` counts the earlier calls with the same key. Concurrency
 * can reorder calls but cannot change which fault a given request meets.
 */
export interface FaultPlan {
  seed: number;
  /** The fault for this attempt of the request named `key`, drawing from a generator seeded by (seed, partner, key, attempt). */
  choose: (random: () => number, attempt: number, key: string) => Fault | undefined;
  /** The logical request a call stands for. Default: a hash of method, path and body (a resend has the same). */
  keyOf?: (request: SandboxRequest) => string;
  filter?: FaultFilter;
}

/** A small seeded generator (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function contentKey(request: SandboxRequest): string {
  return createHash("sha256").update(`${request.method} ${request.path}\n`).update(request.body).digest("hex");
}

export interface SandboxOptions {
  /** Print one readable line per call (the local stack turns it on; tests leave it off). */
  log?: (line: string) => void;
}

/** Only calls for which this returns true are eligible for injected faults (e.g. one method). */
export type FaultFilter = (request: SandboxRequest) => boolean;

/** Told of each finished partner call (answered or lost), e.g. by the local live view. */
export type CallObserver = (call: RecordedCall) => void;

/** The body as JSON when it is JSON, else undefined (the partner's own validation answers it). */
function jsonOf(body: Buffer): unknown {
  try {
    return body.length > 0 ? JSON.parse(body.toString("utf8")) : undefined;
  } catch {
    return undefined;
  }
}

/** What the client gets from a status fault, in the partner's place. */
export function injectedAnswer(fault: Extract<Fault, { kind: "status" }>): SandboxAnswer {
  return {
    status: fault.status,
    headers: fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) },
    body: fault.body ?? { error: `injected HTTP ${fault.status}` },
  };
}

const CONTROL_PREFIX = "/_sandbox";

export class PartnerSandbox {
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly oneShotFaults: Fault[] = [];
  private faultRate = 0;
  private rateFaults: Fault[] = [];
  private faultFilter: FaultFilter = () => true;
  private random: () => number = Math.random;
  private plan: FaultPlan | undefined;
  private readonly attemptsByKey = new Map<string, number>();
  private readonly observers = new Set<CallObserver>();
  /** When the "until off" faults switch themselves off (epoch ms), for an outage of a set length. */
  private faultsUntil: number | undefined;
  private rateLimit: { requestsPerSecond: number; tokens: number; refilledAt: number } | undefined;

  constructor(
    readonly partner: string,
    private readonly answer: (request: SandboxRequest) => SandboxAnswer | Promise<SandboxAnswer>,
    private readonly options: SandboxOptions = {},
  ) {}

  /** Starts on 127.0.0.1; port 0 picks a free one. Returns the base URL. */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        void this.handle(req.method ?? "GET", req.url ?? "/", req.headers, Buffer.concat(chunks), res, req.socket);
      });
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once("error", reject);
      this.server?.listen(port, "127.0.0.1", () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error(`${this.partner} sandbox is not running`);
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** The next calls (one fault each, in order) fail as given. */
  injectFaults(...faults: Fault[]): void {
    this.oneShotFaults.push(...faults);
  }

  /**
   * From now on, each eligible call fails with `probability`, picking one of `faults` at random; with
   * `forMs`, only for that long (an outage of a set length), then the partner answers normally again.
   */
  setFaultRate(probability: number, faults: Fault[], options: { filter?: FaultFilter; random?: () => number; forMs?: number } = {}): void {
    this.faultRate = probability;
    this.rateFaults = faults;
    this.faultFilter = options.filter ?? (() => true);
    this.random = options.random ?? Math.random;
    this.faultsUntil = options.forMs === undefined ? undefined : Date.now() + options.forMs;
  }

  /**
   * From now on (until called without a rate), the partner takes at most `requestsPerSecond` calls in each
   * second and answers the rest 429 with `Retry-After`, as each partner documents for going too fast:
   * mParticle's Events API (429 with Retry-After, https://docs.mparticle.com/developers/apis/http/, 270
   * batches/s by default), Mixpanel's import (429, https://docs.mixpanel.com/reference/rate-limits), Pushwoosh
   * (429 "too many requests", Pushwoosh API reference). A token bucket holding one second of the rate, the
   * usual way a "per second" limit is enforced (API Gateway's throttling is one): bursts up to the rate, then
   * the rate itself.
   */
  enforceRate(requestsPerSecond: number | undefined): void {
    this.rateLimit = requestsPerSecond === undefined ? undefined : { requestsPerSecond, tokens: requestsPerSecond, refilledAt: Date.now() };
  }

  /** The rate enforced now, in requests per second, or undefined. */
  get enforcedRate(): number | undefined {
    return this.rateLimit?.requestsPerSecond;
  }

  /** The 429 a call over the rate gets, or undefined when it is within the rate (and counted). */
  private overRate(now: number): SandboxAnswer | undefined {
    const limit = this.rateLimit;
    if (!limit) return undefined;
    limit.tokens = Math.min(limit.requestsPerSecond, limit.tokens + ((now - limit.refilledAt) / 1000) * limit.requestsPerSecond);
    limit.refilledAt = now;
    if (limit.tokens >= 1) {
      limit.tokens -= 1;
      return undefined;
    }
    // Retry-After counts whole seconds (RFC 9110 §10.2.3): the next token comes within one.
    const retryAfter = Math.max(1, Math.ceil((1 - limit.tokens) / limit.requestsPerSecond));
    return { status: 429, headers: { "retry-after": String(retryAfter) }, body: { error: `rate limit: ${limit.requestsPerSecond} requests per second` } };
  }

  /** From now on (until cleared), faults follow the plan; attempts are counted from here. */
  setFaultPlan(plan: FaultPlan): void {
    this.plan = plan;
    this.attemptsByKey.clear();
  }

  clearFaults(): void {
    this.plan = undefined;
    this.attemptsByKey.clear();
    this.oneShotFaults.length = 0;
    this.faultRate = 0;
    this.rateFaults = [];
    this.faultFilter = () => true;
    this.faultsUntil = undefined;
  }

  /** The faults set now: the one-shot queue, the rate with its faults (and when they end), and the seed of a plan if one is set. */
  faultState(): { next: readonly Fault[]; rate: number; faults: readonly Fault[]; until?: number; planSeed?: number } {
    this.expireFaults();
    return {
      next: [...this.oneShotFaults],
      rate: this.faultRate,
      faults: [...this.rateFaults],
      ...(this.faultsUntil === undefined ? {} : { until: this.faultsUntil }),
      ...(this.plan ? { planSeed: this.plan.seed } : {}),
    };
  }

  private expireFaults(): void {
    if (this.faultsUntil === undefined || Date.now() < this.faultsUntil) return;
    this.faultRate = 0;
    this.rateFaults = [];
    this.faultsUntil = undefined;
  }

  observeCalls(observer: CallObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Calls to the partner API (control calls excluded), optionally only those to one path. */
  callsTo(path?: string): RecordedCall[] {
    return path === undefined ? this.calls : this.calls.filter((call) => call.path === path);
  }

  private pickFault(request: SandboxRequest): Fault | undefined {
    if (this.plan) return this.plannedFault(this.plan, request);
    if (!this.faultFilter(request)) return undefined;
    const oneShot = this.oneShotFaults.shift();
    if (oneShot) return oneShot;
    this.expireFaults();
    if (this.faultRate > 0 && this.rateFaults.length > 0 && this.random() < this.faultRate) {
      return this.rateFaults[Math.floor(this.random() * this.rateFaults.length)];
    }
    return undefined;
  }

  private plannedFault(plan: FaultPlan, request: SandboxRequest): Fault | undefined {
    if (plan.filter && !plan.filter(request)) return undefined;
    const key = (plan.keyOf ?? contentKey)(request);
    const attempt = this.attemptsByKey.get(key) ?? 0;
    this.attemptsByKey.set(key, attempt + 1);
    const digest = createHash("sha256").update(`${plan.seed}\u001f${this.partner}\u001f${key}\u001f${attempt}`).digest();
    return plan.choose(seededRandom(digest.readUInt32BE(0)), attempt, key);
  }

  private async handle(method: string, rawUrl: string, headers: IncomingHttpHeaders, rawBody: Buffer, res: ServerResponse, socket: Socket): Promise<void> {
    const url = new URL(rawUrl, "http://sandbox");
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      this.control(method, url.pathname.slice(CONTROL_PREFIX.length), rawBody, res);
      return;
    }
    const request = this.decode(method, url, headers, rawBody, res);
    if (!request) return;
    const call: RecordedCall = { ...request, json: jsonOf(request.body), status: 0, at: Date.now() };
    this.calls.push(call);

    const fault = this.pickFault(request);
    if (fault) call.fault = fault;
    const lost = () => {
      call.status = "reset";
      this.log(call);
    };
    if (fault?.kind === "reset" && !fault.afterProcessing) {
      socket.destroy();
      lost();
      return;
    }
    if (fault?.kind === "delay" && !fault.afterProcessing) {
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      // The client gave up waiting: the request never reaches the partner.
      if (socket.destroyed) return lost();
    }
    const answer = await this.decide(request, call, fault);
    if (fault?.kind === "reset") {
      socket.destroy();
      return lost();
    }
    if (fault?.kind === "delay" && fault.afterProcessing) await new Promise((resolve) => setTimeout(resolve, fault.ms));
    // The client gave up (its own timeout) while the partner was processing: the answer is lost all the same.
    if (socket.destroyed) return lost();
    call.status = answer.status;
    this.log(call);
    this.reply(res, answer);
  }

  /** The request as the partner reads it, gzip undone; undefined when the body does not decompress (answered 400 here). */
  private decode(method: string, url: URL, headers: IncomingHttpHeaders, rawBody: Buffer, res: ServerResponse): SandboxRequest | undefined {
    let body = rawBody;
    if (String(headers["content-encoding"] ?? "").includes("gzip")) {
      try {
        body = gunzipSync(rawBody);
      } catch {
        this.reply(res, { status: 400, body: { error: "body is marked gzip but does not decompress" } });
        return undefined;
      }
    }
    return { method, path: url.pathname, query: url.searchParams, headers, body };
  }

  /** What the partner answers: the injected status of a fault, a 429 over the rate, else the sandbox's own answer (recorded). */
  private async decide(request: SandboxRequest, call: RecordedCall, fault: Fault | undefined): Promise<SandboxAnswer> {
    if (fault?.kind === "status") return injectedAnswer(fault);
    const throttled = fault ? undefined : this.overRate(Date.now());
    let answer: SandboxAnswer;
    if (throttled) {
      answer = throttled;
    } else {
      try {
        answer = await this.answer(request);
      } catch (error) {
        answer = { status: 500, body: { error: `sandbox bug: ${(error as Error).message}` } };
      }
    }
    call.answer = answer;
    return answer;
  }

  private reply(res: ServerResponse, answer: SandboxAnswer): void {
    const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    res.end(text);
  }

  /** `POST /_sandbox/faults` {"next":[Fault...]} or {"rate":0.2,"faults":[...]}, `DELETE /_sandbox/faults`, `GET /_sandbox/calls`. */
  private control(method: string, path: string, body: Buffer, res: ServerResponse): void {
    if (path === "/faults" && method === "POST") {
      const plan = JSON.parse(body.toString("utf8") || "{}") as { next?: Fault[]; rate?: number; faults?: Fault[] };
      if (plan.next) this.injectFaults(...plan.next);
      if (plan.rate !== undefined) this.setFaultRate(plan.rate, plan.faults ?? []);
      this.reply(res, { status: 200, body: { ok: true } });
    } else if (path === "/faults" && method === "DELETE") {
      this.clearFaults();
      this.reply(res, { status: 200, body: { ok: true } });
    } else if (path === "/calls" && method === "GET") {
      this.reply(res, {
        status: 200,
        body: this.calls.map(({ method: m, path: p, status, fault, at }) => ({ method: m, path: p, status, fault: fault?.kind, at })),
      });
    } else {
      this.reply(res, { status: 404, body: { error: "unknown sandbox control call" } });
    }
  }

  private log(call: RecordedCall): void {
    for (const observer of this.observers) observer(call);
    if (!this.options.log) return;
    const fault = call.fault ? ` (injected ${call.fault.kind}${call.fault.kind !== "status" && call.fault.afterProcessing ? " after processing" : ""})` : "";
    this.options.log(`[${this.partner} sandbox] ${call.method} ${call.path} -> ${call.status}${fault}`);
  }
}
