import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";
import { PARK_ATTRIBUTE } from "../../shared/queue/park.js";
import type { CliOutput } from "../io.js";
import type { DlqContext } from "./context.js";
import { readParkRecord, toDlqEntry, RECEIVE_LIMIT_REASON } from "./entry.js";
import { renderEntries } from "./list.js";
import { peekMessages, QueueReader } from "./reader.js";

export interface RedriveOptions {
  max?: number;
  dryRun: boolean;
  /** With dryRun: the would-be-moved messages as one JSON array. */
  json?: boolean;
  /** Only messages parked for this reason (`receive-limit` for SQS-moved ones). */
  reason?: string;
}

/** Long enough to send and delete a batch; a crash mid-way hands the rest back to the DLQ soon after. */
const REDRIVE_VISIBILITY_SECONDS = 60;
/** Error codes of endpoints that lack StartMessageMoveTask (fauxqs and other emulators). */
const UNSUPPORTED_CODES = new Set(["InvalidAction", "UnsupportedOperation", "UnknownOperationException", "NotImplemented"]);

function isUnsupportedOperation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return UNSUPPORTED_CODES.has(error.name) || status === 501 || /unknown action|not (implemented|supported)/i.test(error.message);
}

function reasonOf(message: Message): string {
  const read = readParkRecord(message);
  return read.kind === "parked" ? read.record.reason : read.kind === "moved" ? RECEIVE_LIMIT_REASON : "unknown";
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const result = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
  const arn = result.Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for ${queueUrl}`);
  return arn;
}

async function approximateDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const result = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(result.Attributes?.ApproximateNumberOfMessages) || 0;
}

/** A one-line counter rewritten in place on a terminal; silent when piped, where only the final count matters. */
function progress(output: CliOutput) {
  let shown = false;
  return {
    update(moved: number, total: number | undefined) {
      if (!output.isTTY) return;
      output.write(`\rmoving... ${moved}${total === undefined ? "" : `/${total}`}`);
      shown = true;
    },
    done() {
      if (shown) output.write("\n");
    },
  };
}

/** The attributes to send back: the park record goes, so the next failure writes a fresh one. */
function resendAttributes(message: Message): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (name === PARK_ATTRIBUTE || !value.DataType) continue;
    attributes[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return attributes;
}

/**
 * SQS's own redrive. Returns undefined when the endpoint does not offer it. Waits for the task to end,
 * so the final count is real.
 */
async function moveWithTask(context: DlqContext, sourceQueueUrl: string): Promise<number | undefined> {
  const { sqs, io, target, settings } = context;
  const [dlqArn, sourceArn] = await Promise.all([queueArn(sqs, target.deadLetterQueueUrl), queueArn(sqs, sourceQueueUrl)]);
  try {
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: sourceArn }));
  } catch (error) {
    if (isUnsupportedOperation(error)) return undefined;
    throw error;
  }
  const meter = progress(io.stdout);
  try {
    for (;;) {
      // One task per source queue can run at a time, so the newest task is the one just started.
      const listing = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 1 }));
      const task = listing.Results?.[0];
      const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
      switch (task?.Status) {
        case "COMPLETED":
          return moved;
        case "FAILED":
          throw new Error(`the message move task failed after ${moved} message(s): ${task.FailureReason ?? "no reason given"}`);
        case "CANCELLED":
        case "CANCELLING":
          throw new Error(`the message move task was cancelled after ${moved} message(s)`);
        default:
          meter.update(moved, task?.ApproximateNumberOfMessagesToMove);
          await sleep(settings.moveTaskPollMilliseconds);
      }
    }
  } finally {
    meter.done();
  }
}

/**
 * Receive, send to the source queue, and only then delete from the DLQ. A message whose send fails stays
 * in the DLQ; a message sent but not deleted is sent again by a later redrive (work item ids dedupe).
 */
async function moveOneByOne(context: DlqContext, sourceQueueUrl: string, options: RedriveOptions) {
  const { sqs, io, target, settings } = context;
  const reader = new QueueReader(sqs, target.deadLetterQueueUrl, {
    visibilityTimeout: REDRIVE_VISIBILITY_SECONDS,
    waitTimeSeconds: settings.receiveWaitSeconds,
  });
  const total = options.max ?? (options.reason ? undefined : await approximateDepth(sqs, target.deadLetterQueueUrl));
  const meter = progress(io.stdout);
  const counts = { moved: 0, sendFailed: 0, notDeleted: 0 };
  const errors: string[] = [];
  try {
    while (options.max === undefined || counts.moved < options.max) {
      const batch = await reader.next();
      if (batch.length === 0) break;
      const room = options.max === undefined ? batch.length : options.max - counts.moved;
      const chosen = batch.filter((message) => !options.reason || reasonOf(message) === options.reason).slice(0, room);
      await Promise.all(
        chosen.map(async (message) => {
          try {
            await sqs.send(new SendMessageCommand({ QueueUrl: sourceQueueUrl, MessageBody: message.Body, MessageAttributes: resendAttributes(message) }));
          } catch (error) {
            counts.sendFailed++;
            errors.push(error instanceof Error ? error.message : String(error));
            return;
          }
          counts.moved++;
          try {
            await sqs.send(new DeleteMessageCommand({ QueueUrl: target.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }));
            if (message.ReceiptHandle) reader.forget(message.ReceiptHandle);
          } catch {
            counts.notDeleted++;
          }
        }),
      );
      meter.update(counts.moved, total);
      // Stop at the first refusal: retrying blindly could spin on a queue that rejects everything.
      if (counts.sendFailed > 0) break;
    }
  } finally {
    meter.done();
    await reader.release();
  }
  return { ...counts, firstError: errors[0] };
}

export async function redrive(context: DlqContext, options: RedriveOptions): Promise<void> {
  const { sqs, io, target, settings } = context;
  const sourceQueueUrl = await target.sourceQueueUrl();
  const route = `${target.name} to ${sourceQueueUrl.slice(sourceQueueUrl.lastIndexOf("/") + 1)}`;
  if (options.dryRun) {
    const messages = await peekMessages(sqs, target.deadLetterQueueUrl, {
      max: options.max,
      waitTimeSeconds: settings.receiveWaitSeconds,
      select: (message) => !options.reason || reasonOf(message) === options.reason,
    });
    const entries = messages.map((message) => toDlqEntry(message, target.destination));
    if (options.json) {
      io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      return;
    }
    if (entries.length > 0) io.stdout.write(`${renderEntries(entries)}\n\n`);
    io.stdout.write(`Dry run: would move ${entries.length} message(s) from ${route}. Nothing was moved.\n`);
    return;
  }
  // StartMessageMoveTask moves everything; a count or a filter needs the loop.
  if (options.max === undefined && options.reason === undefined) {
    const moved = await moveWithTask(context, sourceQueueUrl);
    if (moved !== undefined) {
      io.stdout.write(`Moved ${moved} message(s) from ${route} (StartMessageMoveTask).\n`);
      return;
    }
    io.stderr.write("StartMessageMoveTask is not supported by this SQS endpoint; moving messages one by one.\n");
  }
  const result = await moveOneByOne(context, sourceQueueUrl, options);
  io.stdout.write(`Moved ${result.moved} message(s) from ${route} (receive/send/delete).\n`);
  if (result.notDeleted > 0) {
    io.stderr.write(`${result.notDeleted} message(s) were sent but could not be deleted from ${target.name}; a later redrive sends them again.\n`);
  }
  if (result.sendFailed > 0) {
    throw new Error(`${result.sendFailed} message(s) could not be sent and stay in ${target.name}: ${result.firstError}`);
  }
}
