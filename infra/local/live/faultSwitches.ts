import { partnerTimeoutMs } from "../../../shared/config/settings.js";
import { PushwooshSandbox } from "../sandboxes/pushwoosh.js";
import type { Fault, PartnerSandbox } from "../sandboxes/sandbox.js";

/**
 * The fault switches of the live view and of `/_sandbox/<partner>/...`: named faults a person can pick,
 * turned into the sandbox's own fault plan (one-shot faults for "the next N calls", a rate of 1 for
 * "until switched off").
 */
const FAULT_NAMES = ["429", "500", "503", "401", "timeout", "reset"] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** A 400 naming the offending field. */
export class SwitchError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export interface FaultSwitchRequest {
  fault: FaultName;
  /** The next `count` calls fail; absent: every call fails until the switch goes off. */
  count?: number;
  /** Every call fails for this many seconds (an outage of a set length, e.g. 600), then the switch goes off by itself. */
  durationSeconds?: number;
  /** For 429: the Retry-After the partner sends (seconds). Default 1. */
  retryAfterSeconds?: number;
}

export interface PushwooshCredentials {
  applicationCode?: string;
  apiToken?: string;
  serverApiToken?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function wholeNumber(value: unknown, field: string, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum) {
    throw new SwitchError(`${field} must be a whole number of at least ${minimum}`, field);
  }
  return value;
}

export function parseFaultSwitch(body: unknown): FaultSwitchRequest {
  if (!isRecord(body)) throw new SwitchError("the body must be a JSON object", "body");
  const { fault } = body;
  if (typeof fault !== "string" || !(FAULT_NAMES as readonly string[]).includes(fault)) {
    throw new SwitchError(`fault must be one of ${FAULT_NAMES.join(", ")}`, "fault");
  }
  const retryAfterSeconds = wholeNumber(body.retryAfterSeconds, "retryAfterSeconds", 0);
  if (retryAfterSeconds !== undefined && fault !== "429") throw new SwitchError("retryAfterSeconds goes with fault 429 only", "retryAfterSeconds");
  const count = wholeNumber(body.count, "count", 1);
  const durationSeconds = wholeNumber(body.durationSeconds, "durationSeconds", 1);
  if (count !== undefined && durationSeconds !== undefined) throw new SwitchError("give count or durationSeconds, not both", "durationSeconds");
  return { fault: fault as FaultName, count, durationSeconds, retryAfterSeconds };
}

/** `{"requestsPerSecond": N}`: the sandbox answers 429 with Retry-After beyond N calls a second. */
export function parseRateSwitch(body: unknown): number {
  if (!isRecord(body)) throw new SwitchError("the body must be a JSON object", "body");
  const requestsPerSecond = wholeNumber(body.requestsPerSecond, "requestsPerSecond", 1);
  if (requestsPerSecond === undefined) throw new SwitchError("requestsPerSecond is required", "requestsPerSecond");
  return requestsPerSecond;
}

export function parseCredentials(body: unknown): PushwooshCredentials {
  if (!isRecord(body)) throw new SwitchError("the body must be a JSON object", "body");
  const credentials: PushwooshCredentials = {};
  for (const field of ["applicationCode", "apiToken", "serverApiToken"] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== "string" || value.trim() === "") throw new SwitchError(`${field} must be a non-empty string`, field);
    credentials[field] = value;
  }
  if (Object.keys(credentials).length === 0) {
    throw new SwitchError("name at least one of applicationCode, apiToken, serverApiToken", "applicationCode");
  }
  return credentials;
}

/** The sandbox fault a named switch stands for. A timeout outlasts the relay's partner timeout. */
function faultFor(request: FaultSwitchRequest): Fault {
  switch (request.fault) {
    case "429":
      return { kind: "status", status: 429, retryAfterSeconds: request.retryAfterSeconds ?? 1 };
    case "500":
      return { kind: "status", status: 500 };
    case "503":
      return { kind: "status", status: 503 };
    case "401":
      return { kind: "status", status: 401 };
    case "timeout":
      return { kind: "delay", ms: partnerTimeoutMs() + 1_000 };
    case "reset":
      return { kind: "reset" };
  }
}

/** A fault in the words of the switch that made it. */
export function faultName(fault: Fault): string {
  const after = fault.kind !== "status" && fault.afterProcessing ? " after processing" : "";
  switch (fault.kind) {
    case "status":
      return String(fault.status);
    case "delay":
      return `${fault.ms > partnerTimeoutMs() ? "timeout" : `delay ${fault.ms} ms`}${after}`;
    case "reset":
      return `reset${after}`;
  }
}

export interface SandboxSwitchState {
  url: string;
  /** The faults still queued for the next calls, in order. */
  next: string[];
  /** The fault every call gets until switched off, or null. */
  untilOff: string | null;
  /** When the `untilOff` fault switches itself off (ISO time, a switch with durationSeconds), or null. */
  until: string | null;
  /** The requests per second the sandbox enforces (429 with Retry-After beyond it), or null. */
  rateLimit: number | null;
  /** The seed of a replayable fault plan set through code (the fault run), or null. */
  planSeed: number | null;
  /** Pushwoosh only: whether its account's credentials were replaced (requests with the development ones are refused). */
  credentialsReplaced?: boolean;
}

export class FaultSwitches {
  constructor(private readonly sandboxes: Record<string, PartnerSandbox | undefined>) {}

  sandbox(partner: string): PartnerSandbox | undefined {
    return Object.hasOwn(this.sandboxes, partner) ? this.sandboxes[partner] : undefined;
  }

  switchOn(partner: PartnerSandbox, request: FaultSwitchRequest): void {
    const fault = faultFor(request);
    if (request.count !== undefined) partner.injectFaults(...Array.from({ length: request.count }, () => fault));
    else partner.setFaultRate(1, [fault], request.durationSeconds === undefined ? {} : { forMs: request.durationSeconds * 1000 });
  }

  enforceRate(partner: PartnerSandbox, requestsPerSecond: number | undefined): void {
    partner.enforceRate(requestsPerSecond);
  }

  switchOff(partner: PartnerSandbox): void {
    partner.clearFaults();
  }

  replaceCredentials(pushwoosh: PushwooshSandbox, credentials: PushwooshCredentials | undefined): void {
    pushwoosh.acceptOnly(credentials);
  }

  state(): Record<string, SandboxSwitchState> {
    const state: Record<string, SandboxSwitchState> = {};
    for (const [partner, sandbox] of Object.entries(this.sandboxes)) {
      if (!sandbox) continue;
      const faults = sandbox.faultState();
      state[partner] = {
        url: sandbox.url,
        next: faults.next.map(faultName),
        untilOff: faults.rate >= 1 && faults.faults[0] ? faultName(faults.faults[0]) : null,
        until: faults.until === undefined ? null : new Date(faults.until).toISOString(),
        rateLimit: sandbox.enforcedRate ?? null,
        planSeed: faults.planSeed ?? null,
        ...(sandbox instanceof PushwooshSandbox ? { credentialsReplaced: sandbox.credentialsReplaced } : {}),
      };
    }
    return state;
  }
}
