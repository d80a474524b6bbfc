import type { Node } from "constructs";
import type { Destination } from "../shared/queue/definition.js";

/** CDK context keys a user sets with `-c key=value` or in cdk.json. */
const RELAY_ENVIRONMENT_CONTEXT = "relayEnvironment";
const ALARM_EMAIL_CONTEXT = "alarmEmail";
export const STACK_NAME_CONTEXT = "stackName";
const API_RATE_LIMIT_CONTEXT = "apiRateLimit";
const API_BURST_LIMIT_CONTEXT = "apiBurstLimit";

/** Requests per second (steady) and burst the webhook API's default stage takes before answering 429. */
export const DEFAULT_API_THROTTLE = { rateLimit: 500, burstLimit: 1000 } as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The `relayEnvironment` context: env var name → value, passed to every function. `-c` delivers it as
 * a JSON string, cdk.json as an object; both are accepted. Numbers and booleans are stringified.
 */
export function parseRelayEnvironment(value: unknown): Record<string, string> {
  if (value === undefined || value === null || value === "") return {};
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(`context ${RELAY_ENVIRONMENT_CONTEXT} is not valid JSON: expected an object of env var name to string`);
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`context ${RELAY_ENVIRONMENT_CONTEXT} must be an object of env var name to string`);
  }
  const environment: Record<string, string> = {};
  for (const [name, raw] of Object.entries(parsed)) {
    if (!ENV_NAME.test(name)) throw new Error(`context ${RELAY_ENVIRONMENT_CONTEXT}: "${name}" is not a valid env var name`);
    if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
      throw new Error(`context ${RELAY_ENVIRONMENT_CONTEXT}: the value of ${name} must be a string`);
    }
    environment[name] = String(raw);
  }
  return environment;
}

export function parseAlarmEmail(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || !/^[^@\s]+@[^@\s]+$/.test(value)) {
    throw new Error(`context ${ALARM_EMAIL_CONTEXT} must be an email address`);
  }
  return value;
}

function positiveInteger(key: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`context ${key} must be a positive integer`);
  return number;
}

/**
 * The default stage's throttling from contexts `apiRateLimit` and `apiBurstLimit`. Partners retry a 429,
 * so throttling sheds a runaway or hostile sender without losing data.
 */
export function readApiThrottle(node: Node): { rateLimit: number; burstLimit: number } {
  return {
    rateLimit: positiveInteger(API_RATE_LIMIT_CONTEXT, node.tryGetContext(API_RATE_LIMIT_CONTEXT), DEFAULT_API_THROTTLE.rateLimit),
    burstLimit: positiveInteger(API_BURST_LIMIT_CONTEXT, node.tryGetContext(API_BURST_LIMIT_CONTEXT), DEFAULT_API_THROTTLE.burstLimit),
  };
}

/** `<destination>MaxConcurrency`, e.g. `mparticleMaxConcurrency`: overrides the wiring's maxConcurrency for that worker. */
function maxConcurrencyContextKey(destination: Destination): string {
  return `${destination}MaxConcurrency`;
}

/** The event source mapping's MaximumConcurrency range (ScalingConfig, https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html). */
const MAX_CONCURRENCY_RANGE = { min: 2, max: 1000 } as const;

/**
 * A worker's event source mapping MaximumConcurrency: the context `<destination>MaxConcurrency` when set,
 * else the wiring's. Lambda accepts 2..1000 only, so anything else is refused at synth, not at deploy.
 */
export function readMaxConcurrency(node: Node, destination: Destination, wired: number): number {
  const key = maxConcurrencyContextKey(destination);
  const value = node.tryGetContext(key) as unknown;
  const chosen = value === undefined || value === null || value === "" ? wired : typeof value === "number" ? value : Number(value);
  const { min, max } = MAX_CONCURRENCY_RANGE;
  if (!Number.isInteger(chosen) || chosen < min || chosen > max) {
    throw new Error(
      `context ${key} must be a whole number from ${min} to ${max} (the event source mapping's MaximumConcurrency), got ${JSON.stringify(value ?? wired)}`,
    );
  }
  return chosen;
}

export interface RelayContext {
  relayEnvironment: Record<string, string>;
  alarmEmail?: string;
}

export function readRelayContext(node: Node): RelayContext {
  return {
    relayEnvironment: parseRelayEnvironment(node.tryGetContext(RELAY_ENVIRONMENT_CONTEXT)),
    alarmEmail: parseAlarmEmail(node.tryGetContext(ALARM_EMAIL_CONTEXT)),
  };
}
