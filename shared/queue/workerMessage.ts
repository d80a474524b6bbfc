import type { SQSRecord } from "aws-lambda";
import { ValidationError, validationErrorOf } from "../errors.js";
import { isWorkItemAsIs, workItemSchema, type ParsedWorkItem } from "./workItem.js";

export interface WorkerMessage {
  /** The SQS message id. */
  messageId: string;
  workItem: ParsedWorkItem;
  /** Attempts including this one: the work item's prior attempts plus the receive count. */
  attempt: number;
}

/** The key of one event's outcome: its message and its source id. */
export function eventKey(messageId: string, eventId: string): string {
  return `${messageId}\u001f${eventId}`;
}

export function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}

export function firstFailedAt(record: SQSRecord): string {
  const first = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  return new Date(Number.isFinite(first) && first > 0 ? first : Date.now()).toISOString();
}

/** A record's message attributes as they go on a copy (a held, retried or parked message). */
export function passThroughAttributes(record: SQSRecord): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.messageAttributes)) {
    // park() replaces any earlier park record (PARK_ATTRIBUTE) itself.
    if (value.stringValue !== undefined) attributes[name] = value.stringValue;
  }
  return attributes;
}

export function parseRecord(record: SQSRecord): { message: WorkerMessage } | { error: ValidationError } {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { error: new ValidationError("message body is not JSON") };
  }
  const parsed = isWorkItemAsIs(json) ? { success: true as const, data: json } : workItemSchema.safeParse(json);
  if (!parsed.success) {
    // The park record keeps the message, so the error names no `field` of its own.
    const { message } = validationErrorOf(parsed.error, [], "(root)");
    return { error: new ValidationError(`work item invalid at ${message}`) };
  }
  return { message: { messageId: record.messageId, workItem: parsed.data, attempt: parsed.data.priorAttempts + receiveCount(record) } };
}

/** Seconds since the work item came in (at ingest): what RETRY_HOLD_SECONDS is measured against. */
export function waitedSeconds(workItem: Pick<ParsedWorkItem, "receivedAt">, now = Date.now()): number {
  return Math.max(0, Math.floor((now - Date.parse(workItem.receivedAt)) / 1000));
}
