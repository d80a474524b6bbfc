import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { RelayError } from "../errors.js";
import type { Destination } from "./definition.js";
import { sqsJson } from "./messageText.js";
import type { ParkReason } from "./retryPolicy.js";
import { deadLetterQueueUrlFor, sqsClient } from "./sqsClient.js";

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
  /** `outage-exceeded` only: seconds from intake to parking, held while the partner was down or throttling. */
  waitedSeconds?: number;
}

export const PARK_ATTRIBUTE = "failure";

/** The one builder of a park record: ingest (attempts 0) and the worker use it alike. */
export function parkRecord(
  destination: Destination,
  workItemId: string | undefined,
  reason: ParkReason,
  error: RelayError,
  attempts: number,
  firstFailedAt: string,
  now = new Date(),
): ParkRecord {
  return {
    destination,
    workItemId,
    reason,
    errorClass: error.errorClass,
    message: error.message,
    status: error.status,
    partnerMessage: error.partnerMessage,
    firstFailedAt,
    parkedAt: now.toISOString(),
    attempts,
  };
}

/** Sends a message to the DLQ with the reason; the caller deletes the original only after this resolves. */
export async function park(destination: Destination, body: string, record: ParkRecord, passThroughAttributes: Record<string, string>): Promise<void> {
  const attributes: Record<string, { DataType: string; StringValue: string }> = {};
  for (const [name, value] of Object.entries(passThroughAttributes)) attributes[name] = { DataType: "String", StringValue: value };
  // Replaces the record of an earlier park (a redriven message carries it).
  attributes[PARK_ATTRIBUTE] = { DataType: "String", StringValue: sqsJson(record) };
  await sqsClient().send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrlFor(destination), MessageBody: body, MessageAttributes: attributes }));
}
