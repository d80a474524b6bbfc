import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { RelayError } from "../errors.js";
import { deadLetterQueueUrlEnvVar, type Destination } from "./definition.js";
import { sqsJson } from "./messageText.js";
import type { ParkReason } from "./retryPolicy.js";
import { sqsClient } from "./sqsClient.js";

/** Why a message sits in a DLQ: one JSON message attribute, read by the DLQ tooling. */
export interface ParkRecord {
  destination: Destination;
  workItemId?: string;
  reason: ParkReason;
  errorClass: RelayError["errorClass"];
  message: string;
  status?: number;
  partnerMessage?: string;
  firstFailedAt: string;
  parkedAt: string;
  attempts: number;
}

export const PARK_ATTRIBUTE = "failure";

export function deadLetterQueueUrlFor(destination: Destination): string {
  const name = deadLetterQueueUrlEnvVar(destination);
  const url = process.env[name];
  if (!url) throw new Error(`${name} is not set`);
  return url;
}

/** Sends a copy to the DLQ with the reason; the caller deletes the original only after this resolves. */
export async function park(
  destination: Destination,
  body: string,
  record: ParkRecord,
  passThroughAttributes: Record<string, string>,
): Promise<void> {
  const attributes: Record<string, { DataType: string; StringValue: string }> = {};
  for (const [name, value] of Object.entries(passThroughAttributes)) attributes[name] = { DataType: "String", StringValue: value };
  attributes[PARK_ATTRIBUTE] = { DataType: "String", StringValue: sqsJson(record) };
  await sqsClient().send(
    new SendMessageCommand({ QueueUrl: deadLetterQueueUrlFor(destination), MessageBody: body, MessageAttributes: attributes }),
  );
}
