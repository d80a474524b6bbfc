import type { Destination } from "../shared/queue/definition.js";

/**
 * Stack output keys: public contract. The DLQ CLI resolves queue URLs from these by `--stack <name>`,
 * so this file imports nothing from aws-cdk-lib (a dev dependency the CLI must not load).
 */
export const DEFAULT_STACK_NAME = "CdpRelay";
export const API_URL_OUTPUT = "ApiUrl";
export const SECRET_ARN_OUTPUT = "RelaySecretArn";
export const SECRET_NAME_OUTPUT = "RelaySecretName";
export const ALARM_TOPIC_OUTPUT = "AlarmTopicArn";
export const DASHBOARD_OUTPUT = "DashboardName";

/** `mparticle-events` → `MparticleEvents`: output keys and construct ids. */
export function pascalCase(kebab: string): string {
  return kebab
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** `PushwooshQueueUrl` / `PushwooshDeadLetterQueueUrl`. */
export function outputKeyForQueue(destination: Destination, deadLetter: boolean): string {
  return `${pascalCase(destination)}${deadLetter ? "DeadLetterQueueUrl" : "QueueUrl"}`;
}

/** `MparticleEventsUrl`, `BrazeCurrentsUrl`: the URL to paste into the partner's console. */
export function outputKeyForRoute(functionName: string): string {
  return `${pascalCase(functionName)}Url`;
}
