import type { Message } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { MAX_RECEIVE_COUNT, type Destination } from "../../shared/queue/definition.js";
import { PARK_ATTRIBUTE } from "../../shared/queue/park.js";
import { redactText } from "../../shared/observability.js";
import { redact } from "../redact.js";

/** Reason shown for messages SQS moved itself (maxReceiveCount reached: a crash or timeout, no park record). */
export const RECEIVE_LIMIT_REASON = "receive-limit";
/** Reason shown when a park record is present but unreadable. */
const UNKNOWN_REASON = "unknown";

/**
 * Lenient reader of the ParkRecord that shared/queue/park.ts writes: records parked by an older
 * version may lack fields, and one odd record must not stop a listing.
 */
const storedParkRecordSchema = z.looseObject({
  destination: z.string().optional(),
  workItemId: z.string().optional(),
  reason: z.string(),
  errorClass: z.string().optional(),
  message: z.string().optional(),
  status: z.number().optional(),
  partnerMessage: z.string().optional(),
  firstFailedAt: z.string().optional(),
  parkedAt: z.string().optional(),
  attempts: z.number().optional(),
});

/** One DLQ message as `list` shows it; absent facts are null so every key is always there for scripts. */
export interface DlqEntry {
  /** The SQS message id, which `show` takes. */
  messageId: string;
  workItemId: string | null;
  destination: string | null;
  reason: string;
  status: number | null;
  attempts: number;
  firstFailedAt: string | null;
  parkedAt: string | null;
  /** When the message entered the DLQ (SQS SentTimestamp); SQS-moved messages keep their original one. */
  sentAt: string | null;
  errorClass: string | null;
  message: string | null;
  partnerMessage: string | null;
  correlationId: string | null;
}

function attribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

function timestamp(message: Message, name: "SentTimestamp" | "ApproximateFirstReceiveTimestamp"): string | null {
  const millis = Number(message.Attributes?.[name]);
  return Number.isFinite(millis) && millis > 0 ? new Date(millis).toISOString() : null;
}

function parseBody(message: Message): unknown {
  try {
    return JSON.parse(message.Body ?? "");
  } catch {
    return message.Body ?? "";
  }
}

function bodyField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

type ParkRecordRead = { kind: "parked"; record: z.infer<typeof storedParkRecordSchema> } | { kind: "moved" } | { kind: "unreadable" };

export function readParkRecord(message: Message): ParkRecordRead {
  const raw = attribute(message, PARK_ATTRIBUTE);
  if (raw === undefined) return { kind: "moved" };
  try {
    const parsed = storedParkRecordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? { kind: "parked", record: parsed.data } : { kind: "unreadable" };
  } catch {
    return { kind: "unreadable" };
  }
}

/**
 * Receives before the move. Our own reads of the DLQ count too (SQS keeps counting), so the number is
 * capped at the queue's limit; 0 means the message was put in the DLQ by hand, never attempted.
 */
function attemptsBeforeMove(message: Message): number {
  const received = Number(message.Attributes?.ApproximateReceiveCount) || 1;
  return Math.min(Math.max(0, received - 1), MAX_RECEIVE_COUNT);
}

/** The redacted summary of one DLQ message. */
export function toDlqEntry(message: Message, fallbackDestination?: Destination): DlqEntry {
  const body = parseBody(message);
  const read = readParkRecord(message);
  const record = read.kind === "parked" ? read.record : undefined;
  const text = (value: string | undefined) => (value === undefined ? null : redactText(value));
  const attempts = record?.attempts ?? attemptsBeforeMove(message);
  const common = {
    messageId: message.MessageId ?? "",
    workItemId: attribute(message, "workItemId") ?? record?.workItemId ?? bodyField(body, "workItemId") ?? null,
    destination: attribute(message, "destination") ?? record?.destination ?? bodyField(body, "destination") ?? fallbackDestination ?? null,
    sentAt: timestamp(message, "SentTimestamp"),
    correlationId: attribute(message, "correlationId") ?? bodyField(body, "correlationId") ?? null,
  };
  switch (read.kind) {
    case "parked":
      return {
        ...common,
        reason: read.record.reason,
        status: read.record.status ?? null,
        attempts,
        firstFailedAt: read.record.firstFailedAt ?? null,
        parkedAt: read.record.parkedAt ?? null,
        errorClass: read.record.errorClass ?? null,
        message: text(read.record.message),
        partnerMessage: text(read.record.partnerMessage),
      };
    case "moved":
      return {
        ...common,
        reason: RECEIVE_LIMIT_REASON,
        status: null,
        attempts,
        firstFailedAt: attempts > 0 ? timestamp(message, "ApproximateFirstReceiveTimestamp") : null,
        parkedAt: null,
        errorClass: null,
        message: `moved by SQS after ${attempts} receive(s) without a verdict (worker crash or timeout?)`,
        partnerMessage: null,
      };
    case "unreadable":
      return {
        ...common,
        reason: UNKNOWN_REASON,
        status: null,
        attempts,
        firstFailedAt: null,
        parkedAt: null,
        errorClass: null,
        message: `the ${PARK_ATTRIBUTE} attribute could not be read`,
        partnerMessage: null,
      };
  }
}

/** Everything about one message, redacted: the summary, the full park record, attributes and the work item. */
export function describeMessage(message: Message, fallbackDestination?: Destination) {
  const read = readParkRecord(message);
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (name !== PARK_ATTRIBUTE) attributes[name] = value.StringValue ?? `(${value.DataType ?? "binary"})`;
  }
  return {
    ...toDlqEntry(message, fallbackDestination),
    failure: read.kind === "parked" ? redact(read.record) : null,
    attributes: redact(attributes),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount) || null,
    workItem: redact(parseBody(message)),
  };
}
