import type { Node } from "constructs";

/** CDK context keys a user sets with `-c key=value` or in cdk.json. */
export const RELAY_ENVIRONMENT_CONTEXT = "relayEnvironment";
export const ALARM_EMAIL_CONTEXT = "alarmEmail";
export const STACK_NAME_CONTEXT = "stackName";

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
