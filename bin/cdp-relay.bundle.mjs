// Generated from cli/main.ts by `npm run build:cli` (infra/bundling/buildCliBundle.ts). Edit the sources, then rebuild.

// cli/main.ts
import { parseArgs } from "node:util";

// shared/queue/definition.ts
var DESTINATIONS = ["pushwoosh", "mparticle", "mixpanel"];
var QUEUE_NAME_PREFIX = "cdp-relay";
var MAX_RECEIVE_COUNT = 5;
var RETENTION_DAYS = 14;
var RETENTION_SECONDS = RETENTION_DAYS * 24 * 60 * 60;
function queueName(destination) {
  return `${QUEUE_NAME_PREFIX}-${destination}`;
}
function deadLetterQueueName(destination) {
  return `${queueName(destination)}-dlq`;
}
function isDestination(value) {
  return DESTINATIONS.includes(value);
}

// cli/dlq/aws.ts
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { SQSClient } from "@aws-sdk/client-sqs";
var LOCAL_REGION = "us-east-1";
var LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
function clientConfig(target) {
  const region = target.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!process.env.AWS_ENDPOINT_URL_SQS) return { region };
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return { region: region ?? LOCAL_REGION, ...hasCredentials ? {} : { credentials: LOCAL_CREDENTIALS } };
}
function createSqsClient(target) {
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS;
  return new SQSClient({ ...clientConfig(target), ...endpoint ? { endpoint } : {} });
}
function createCloudFormationClient(target) {
  return new CloudFormationClient(clientConfig(target));
}
var LOCAL_ENDPOINT_HINT = "AWS_ENDPOINT_URL_SQS=http://127.0.0.1:9324";
function errorChain(error) {
  const chain = [];
  for (let current = error; current instanceof Error && chain.length < 5; current = current.cause) chain.push(current);
  return chain;
}
function connectionProblem(error) {
  const chain = errorChain(error);
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS;
  if (chain.some((link) => /region is missing/i.test(link.message))) {
    return `no AWS region is set: set AWS_REGION or pass --region (against the local stack, set ${LOCAL_ENDPOINT_HINT} instead)`;
  }
  if (chain.some((link) => ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET"].includes(link.code ?? "") || /ECONNREFUSED|ENOTFOUND/.test(link.message))) {
    return endpoint ? `nothing answers at AWS_ENDPOINT_URL_SQS=${endpoint}: is the local stack running (npm start; its port is LOCAL_SQS_PORT)?` : "cannot reach the SQS endpoint of this region: check the network, AWS_REGION or --region";
  }
  if (chain.some((link) => link.name === "CredentialsProviderError" || /could not load credentials/i.test(link.message))) {
    return `no AWS credentials found: set AWS_PROFILE or the AWS_ACCESS_KEY_ID family (against the local stack, set ${LOCAL_ENDPOINT_HINT} instead)`;
  }
  return void 0;
}

// cli/dlq/context.ts
var DEFAULT_DLQ_SETTINGS = { receiveWaitSeconds: 1, moveTaskPollMilliseconds: 2e3 };

// cli/format.ts
function formatAge(milliseconds) {
  const units = [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1]
  ];
  let rest = Math.max(0, Math.floor(milliseconds / 1e3));
  const parts = [];
  for (const [suffix, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0 && parts.length < 2) parts.push(`${count}${suffix}`);
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join(" ") : "0s";
}
function renderTable(headers, rows, maxWidth = 60) {
  const clip = (cell) => cell.length > maxWidth ? `${cell.slice(0, maxWidth - 1)}\u2026` : cell;
  const cells = [headers, ...rows.map((row) => row.map(clip))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  return cells.map(
    (row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()
  ).join("\n");
}

// cli/dlq/entry.ts
import { z } from "zod";

// shared/queue/park.ts
import { SendMessageCommand } from "@aws-sdk/client-sqs";

// shared/queue/sqsClient.ts
import { SQSClient as SQSClient2 } from "@aws-sdk/client-sqs";

// shared/config/environment.ts
import { AsyncLocalStorage } from "node:async_hooks";
var functionEnvironment = new AsyncLocalStorage();

// shared/queue/park.ts
var PARK_ATTRIBUTE = "failure";

// shared/observability.ts
import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
var SERVICE_NAME = "cdp-relay";
var METRICS_NAMESPACE = "CdpRelay";
var logger = new Logger({ serviceName: SERVICE_NAME });
function createMetrics(defaultDimensions) {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions });
}
var trimMetrics = createMetrics({});
var REDACTED = "[REDACTED]";
var AUTH_SCHEME_VALUE = /\b(Bearer|Basic|Token|Digest)\s+[\w.~+/=-]{8,}/gi;
var SECRET_PAIR_IN_TEXT = /(["']?[\w-]*(?:token|secret|auth|passw|api[-_]?key|credential)[\w-]*["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|(?:(?:Bearer|Basic|Token|Digest)\s+)?[^\s,;&}]+)/gi;
function redactText(text) {
  return text.replace(SECRET_PAIR_IN_TEXT, (_match, prefix) => `${prefix}"${REDACTED}"`).replace(AUTH_SCHEME_VALUE, (_match, scheme) => `${scheme} ${REDACTED}`);
}

// cli/redact.ts
var SECRET_KEY = /token|secret|auth|passw|api[-_]?key|credential|^key$|[-_]key$/i;
var SECRET_VALUES_KEY = /^account[-_]?settings$/i;
function isSecretKey(key) {
  return SECRET_KEY.test(key);
}
function redact(value) {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    const copy = {};
    for (const [key, inner] of Object.entries(value)) {
      copy[key] = isSecretKey(key) ? REDACTED : SECRET_VALUES_KEY.test(key) ? redactValues(inner) : redact(inner);
    }
    return copy;
  }
  return value;
}
function redactValues(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return REDACTED;
  return Object.fromEntries(Object.keys(value).map((key) => [key, REDACTED]));
}

// cli/dlq/entry.ts
var RECEIVE_LIMIT_REASON = "receive-limit";
var UNKNOWN_REASON = "unknown";
var storedParkRecordSchema = z.looseObject({
  destination: z.string().optional(),
  workItemId: z.string().optional(),
  reason: z.string(),
  errorClass: z.string().optional(),
  message: z.string().optional(),
  status: z.number().optional(),
  partnerMessage: z.string().optional(),
  firstFailedAt: z.string().optional(),
  parkedAt: z.string().optional(),
  attempts: z.number().optional()
});
function attribute(message, name) {
  return message.MessageAttributes?.[name]?.StringValue;
}
function timestamp(message, name) {
  const millis = Number(message.Attributes?.[name]);
  return Number.isFinite(millis) && millis > 0 ? new Date(millis).toISOString() : null;
}
function parseBody(message) {
  try {
    return JSON.parse(message.Body ?? "");
  } catch {
    return message.Body ?? "";
  }
}
function bodyField(body, name) {
  if (body === null || typeof body !== "object") return void 0;
  const value = body[name];
  return typeof value === "string" ? value : void 0;
}
function readParkRecord(message) {
  const raw = attribute(message, PARK_ATTRIBUTE);
  if (raw === void 0) return { kind: "moved" };
  try {
    const parsed = storedParkRecordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? { kind: "parked", record: parsed.data } : { kind: "unreadable" };
  } catch {
    return { kind: "unreadable" };
  }
}
function attemptsBeforeMove(message) {
  const received = Number(message.Attributes?.ApproximateReceiveCount) || 1;
  return Math.min(Math.max(0, received - 1), MAX_RECEIVE_COUNT);
}
function toDlqEntry(message, fallbackDestination) {
  const body = parseBody(message);
  const read = readParkRecord(message);
  const record = read.kind === "parked" ? read.record : void 0;
  const text = (value) => value === void 0 ? null : redactText(value);
  const attempts = record?.attempts ?? attemptsBeforeMove(message);
  const common = {
    messageId: message.MessageId ?? "",
    workItemId: attribute(message, "workItemId") ?? record?.workItemId ?? bodyField(body, "workItemId") ?? null,
    destination: attribute(message, "destination") ?? record?.destination ?? bodyField(body, "destination") ?? fallbackDestination ?? null,
    sentAt: timestamp(message, "SentTimestamp"),
    correlationId: attribute(message, "correlationId") ?? bodyField(body, "correlationId") ?? null
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
        partnerMessage: text(read.record.partnerMessage)
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
        partnerMessage: null
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
        partnerMessage: null
      };
  }
}
function describeMessage(message, fallbackDestination) {
  const read = readParkRecord(message);
  const attributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (name !== PARK_ATTRIBUTE) attributes[name] = value.StringValue ?? `(${value.DataType ?? "binary"})`;
  }
  return {
    ...toDlqEntry(message, fallbackDestination),
    failure: read.kind === "parked" ? redact(read.record) : null,
    attributes: redact(attributes),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount) || null,
    workItem: redact(parseBody(message))
  };
}

// cli/dlq/reader.ts
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
var RECEIVE_BATCH = 10;
var QueueReader = class {
  constructor(sqs, queueUrl, settings) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.settings = settings;
  }
  sqs;
  queueUrl;
  settings;
  seen = /* @__PURE__ */ new Set();
  held = /* @__PURE__ */ new Set();
  /** The next messages not seen before; empty once a receive brings nothing new. */
  async next() {
    const result = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: RECEIVE_BATCH,
        VisibilityTimeout: this.settings.visibilityTimeout,
        WaitTimeSeconds: this.settings.waitTimeSeconds,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"]
      })
    );
    const fresh = [];
    for (const message of result.Messages ?? []) {
      if (message.ReceiptHandle) this.held.add(message.ReceiptHandle);
      if (!message.MessageId || this.seen.has(message.MessageId)) continue;
      this.seen.add(message.MessageId);
      fresh.push(message);
    }
    return fresh;
  }
  /** The message is gone (deleted): nothing to hand back. */
  forget(receiptHandle) {
    this.held.delete(receiptHandle);
  }
  /** Makes every held message visible again at once; a receipt that expired meanwhile is already visible. */
  async release() {
    const receipts = [...this.held];
    this.held.clear();
    for (let start = 0; start < receipts.length; start += RECEIVE_BATCH) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: receipts.slice(start, start + RECEIVE_BATCH).map((receipt, index) => ({
            Id: String(index),
            ReceiptHandle: receipt,
            VisibilityTimeout: 0
          }))
        })
      );
    }
  }
};
var PEEK_VISIBILITY_SECONDS = 30;
async function peekMessages(sqs, queueUrl, options) {
  const reader = new QueueReader(sqs, queueUrl, { visibilityTimeout: PEEK_VISIBILITY_SECONDS, waitTimeSeconds: options.waitTimeSeconds });
  const found = [];
  const select = options.select ?? (() => true);
  try {
    while (options.max === void 0 || found.length < options.max) {
      const batch = await reader.next();
      if (batch.length === 0) break;
      for (const message of batch) {
        if (select(message) && (options.max === void 0 || found.length < options.max)) found.push(message);
      }
    }
  } finally {
    await reader.release();
  }
  return found;
}

// cli/dlq/list.ts
async function readEntries(context, max) {
  const { sqs, target, settings } = context;
  const messages = await peekMessages(sqs, target.deadLetterQueueUrl, { max, waitTimeSeconds: settings.receiveWaitSeconds });
  return messages.map((message) => toDlqEntry(message, target.destination)).sort((a, b) => (a.sentAt ?? "").localeCompare(b.sentAt ?? ""));
}
function age(entry, now) {
  return entry.sentAt ? formatAge(now - Date.parse(entry.sentAt)) : "?";
}
function renderEntries(entries, now = Date.now()) {
  return renderTable(
    ["MESSAGE ID", "AGE", "DESTINATION", "REASON", "STATUS", "ATTEMPTS", "ERROR"],
    entries.map((entry) => [
      entry.messageId,
      age(entry, now),
      entry.destination ?? "?",
      entry.reason,
      entry.status === null ? "-" : String(entry.status),
      String(entry.attempts),
      entry.partnerMessage ? `${entry.message ?? ""}: ${entry.partnerMessage}` : entry.message ?? ""
    ])
  );
}
function countByReason(entries) {
  const counts = /* @__PURE__ */ new Map();
  for (const entry of entries) counts.set(entry.reason, (counts.get(entry.reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${reason} ${count}`).join(", ");
}
async function listDlq(context, options) {
  const { io, target } = context;
  const entries = await readEntries(context, options.max);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}
`);
    return;
  }
  if (entries.length === 0) {
    io.stdout.write(`${target.name} is empty.
`);
    return;
  }
  const now = Date.now();
  const limited = options.max !== void 0 && entries.length >= options.max ? ` (first ${options.max}, --max)` : "";
  const oldest = entries[0] ? age(entries[0], now) : "?";
  io.stdout.write(
    `${renderEntries(entries, now)}

${entries.length} message(s) in ${target.name}${limited}: ${countByReason(entries)}. Oldest: ${oldest}.
Details: cdp-relay dlq show <message-id> with the same queue options.
`
  );
}

// cli/dlq/purge.ts
import { GetQueueAttributesCommand, PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { createInterface } from "node:readline/promises";

// cli/usageError.ts
var UsageError = class extends Error {
  name = "UsageError";
};

// cli/dlq/purge.ts
async function confirm(context, count, word) {
  const { io, target } = context;
  const prompt = createInterface({ input: io.stdin, terminal: false });
  try {
    io.stdout.write(
      `About to delete about ${count} message(s) from ${target.name}. This cannot be undone.
(To keep a copy first: cdp-relay dlq list --json ... > dlq-backup.json)
Type "${word}" to confirm: `
    );
    const answer = await prompt.question("");
    return answer.trim() === word;
  } finally {
    prompt.close();
  }
}
async function purge(context, options) {
  const { sqs, io, target } = context;
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: target.deadLetterQueueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    })
  );
  const count = (Number(attributes.Attributes?.ApproximateNumberOfMessages) || 0) + (Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible) || 0);
  if (!options.yes) {
    if (!io.stdin.isTTY) throw new UsageError(`refusing to purge ${target.name} without --yes: stdin is not a terminal`);
    if (!await confirm(context, count, target.destination ?? target.name)) {
      io.stderr.write("Purge cancelled; nothing was deleted.\n");
      return false;
    }
  }
  try {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: target.deadLetterQueueUrl }));
  } catch (error) {
    if (error instanceof Error && error.name === "PurgeQueueInProgress") {
      throw new Error(`a purge of ${target.name} is already in progress (SQS allows one per queue every 60 seconds)`);
    }
    throw error;
  }
  io.stdout.write(`Purged ${target.name}: about ${count} message(s) deleted.
`);
  return true;
}

// cli/dlq/queues.ts
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";

// cli/dlq/stackOutputs.ts
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";

// infra/outputs.ts
function pascalCase(kebab) {
  return kebab.split("-").map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("");
}
function outputKeyForQueue(destination, deadLetter) {
  return `${pascalCase(destination)}${deadLetter ? "DeadLetterQueueUrl" : "QueueUrl"}`;
}

// cli/dlq/stackOutputs.ts
async function queueUrlsFromStack(stackName, destination, target) {
  const result = await createCloudFormationClient(target).send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((result.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const lookup = (dlq) => {
    const key = outputKeyForQueue(destination, dlq);
    const url = outputs.get(key);
    if (!url) {
      const known = [...outputs.keys()].join(", ") || "none";
      throw new Error(`stack ${stackName} has no output ${key} (outputs: ${known})`);
    }
    return url;
  };
  return { deadLetterQueueUrl: lookup(true), queueUrl: () => lookup(false) };
}

// cli/dlq/queues.ts
var DLQ_SUFFIX = "-dlq";
function queueNameFromUrl(url) {
  return url.slice(url.lastIndexOf("/") + 1);
}
function destinationFromDlqName(name) {
  const middle = name.slice(`${QUEUE_NAME_PREFIX}-`.length, -DLQ_SUFFIX.length);
  return name.startsWith(`${QUEUE_NAME_PREFIX}-`) && name.endsWith(DLQ_SUFFIX) && isDestination(middle) ? middle : void 0;
}
async function localQueueUrl(sqs, name) {
  try {
    const result = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (result.QueueUrl) return result.QueueUrl;
  } catch (error) {
    if (connectionProblem(error)) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? "the default AWS endpoint";
    throw new Error(`queue ${name} not found at ${endpoint} (${detail}); is the local stack running (npm start), or did you mean --stack?`);
  }
  throw new Error(`queue ${name} not found`);
}
async function resolveDlq(sqs, options) {
  const { queue, queueUrl, sourceQueueUrl, stack, region } = options;
  if (queueUrl) {
    if (stack) throw new UsageError("--queue-url and --stack are alternatives; pass one");
    const name2 = queueNameFromUrl(queueUrl);
    const destination = queue ?? destinationFromDlqName(name2);
    return {
      deadLetterQueueUrl: queueUrl,
      name: name2,
      destination,
      sourceQueueUrl: async () => {
        if (sourceQueueUrl) return sourceQueueUrl;
        if (!name2.endsWith(DLQ_SUFFIX)) {
          throw new UsageError(`cannot tell the source queue of ${name2} (no "${DLQ_SUFFIX}" suffix); pass --source-queue-url`);
        }
        return queueUrl.slice(0, -DLQ_SUFFIX.length);
      }
    };
  }
  if (!queue) throw new UsageError("--queue <destination> (or --queue-url) is required");
  if (stack) {
    const urls = await queueUrlsFromStack(stack, queue, { region });
    return {
      deadLetterQueueUrl: urls.deadLetterQueueUrl,
      name: queueNameFromUrl(urls.deadLetterQueueUrl),
      destination: queue,
      sourceQueueUrl: async () => sourceQueueUrl ?? urls.queueUrl()
    };
  }
  const name = deadLetterQueueName(queue);
  return {
    deadLetterQueueUrl: await localQueueUrl(sqs, name),
    name,
    destination: queue,
    sourceQueueUrl: async () => sourceQueueUrl ?? localQueueUrl(sqs, queueName(queue))
  };
}

// cli/dlq/redrive.ts
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand as GetQueueAttributesCommand2,
  ListMessageMoveTasksCommand,
  SendMessageCommand as SendMessageCommand2,
  StartMessageMoveTaskCommand
} from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";
var REDRIVE_VISIBILITY_SECONDS = 60;
var UNSUPPORTED_CODES = /* @__PURE__ */ new Set(["InvalidAction", "UnsupportedOperation", "UnknownOperationException", "NotImplemented"]);
function isUnsupportedOperation(error) {
  if (!(error instanceof Error)) return false;
  const status = error.$metadata?.httpStatusCode;
  return UNSUPPORTED_CODES.has(error.name) || status === 501 || /unknown action|not (implemented|supported)/i.test(error.message);
}
function reasonOf(message) {
  const read = readParkRecord(message);
  return read.kind === "parked" ? read.record.reason : read.kind === "moved" ? RECEIVE_LIMIT_REASON : "unknown";
}
async function queueArn(sqs, queueUrl) {
  const result = await sqs.send(new GetQueueAttributesCommand2({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
  const arn = result.Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for ${queueUrl}`);
  return arn;
}
async function approximateDepth(sqs, queueUrl) {
  const result = await sqs.send(new GetQueueAttributesCommand2({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(result.Attributes?.ApproximateNumberOfMessages) || 0;
}
function progress(output) {
  let shown = false;
  return {
    update(moved, total) {
      if (!output.isTTY) return;
      output.write(`\rmoving... ${moved}${total === void 0 ? "" : `/${total}`}`);
      shown = true;
    },
    done() {
      if (shown) output.write("\n");
    }
  };
}
function resendAttributes(message) {
  const attributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (name === PARK_ATTRIBUTE || !value.DataType) continue;
    attributes[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return attributes;
}
async function moveWithTask(context, sourceQueueUrl) {
  const { sqs, io, target, settings } = context;
  const [dlqArn, sourceArn] = await Promise.all([queueArn(sqs, target.deadLetterQueueUrl), queueArn(sqs, sourceQueueUrl)]);
  try {
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: sourceArn }));
  } catch (error) {
    if (isUnsupportedOperation(error)) return void 0;
    throw error;
  }
  const meter = progress(io.stdout);
  try {
    for (; ; ) {
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
async function moveOneByOne(context, sourceQueueUrl, options) {
  const { sqs, io, target, settings } = context;
  const reader = new QueueReader(sqs, target.deadLetterQueueUrl, {
    visibilityTimeout: REDRIVE_VISIBILITY_SECONDS,
    waitTimeSeconds: settings.receiveWaitSeconds
  });
  const total = options.max ?? (options.reason ? void 0 : await approximateDepth(sqs, target.deadLetterQueueUrl));
  const meter = progress(io.stdout);
  const counts = { moved: 0, sendFailed: 0, notDeleted: 0 };
  const errors = [];
  try {
    while (options.max === void 0 || counts.moved < options.max) {
      const batch = await reader.next();
      if (batch.length === 0) break;
      const room = options.max === void 0 ? batch.length : options.max - counts.moved;
      const chosen = batch.filter((message) => !options.reason || reasonOf(message) === options.reason).slice(0, room);
      await Promise.all(
        chosen.map(async (message) => {
          try {
            await sqs.send(new SendMessageCommand2({ QueueUrl: sourceQueueUrl, MessageBody: message.Body, MessageAttributes: resendAttributes(message) }));
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
        })
      );
      meter.update(counts.moved, total);
      if (counts.sendFailed > 0) break;
    }
  } finally {
    meter.done();
    await reader.release();
  }
  return { ...counts, firstError: errors[0] };
}
async function redrive(context, options) {
  const { sqs, io, target, settings } = context;
  const sourceQueueUrl = await target.sourceQueueUrl();
  const route = `${target.name} to ${sourceQueueUrl.slice(sourceQueueUrl.lastIndexOf("/") + 1)}`;
  if (options.dryRun) {
    const messages = await peekMessages(sqs, target.deadLetterQueueUrl, {
      max: options.max,
      waitTimeSeconds: settings.receiveWaitSeconds,
      select: (message) => !options.reason || reasonOf(message) === options.reason
    });
    const entries = messages.map((message) => toDlqEntry(message, target.destination));
    if (options.json) {
      io.stdout.write(`${JSON.stringify(entries, null, 2)}
`);
      return;
    }
    if (entries.length > 0) io.stdout.write(`${renderEntries(entries)}

`);
    io.stdout.write(`Dry run: would move ${entries.length} message(s) from ${route}. Nothing was moved.
`);
    return;
  }
  if (options.max === void 0 && options.reason === void 0) {
    const moved = await moveWithTask(context, sourceQueueUrl);
    if (moved !== void 0) {
      io.stdout.write(`Moved ${moved} message(s) from ${route} (StartMessageMoveTask).
`);
      return;
    }
    io.stderr.write("StartMessageMoveTask is not supported by this SQS endpoint; moving messages one by one.\n");
  }
  const result = await moveOneByOne(context, sourceQueueUrl, options);
  io.stdout.write(`Moved ${result.moved} message(s) from ${route} (receive/send/delete).
`);
  if (result.notDeleted > 0) {
    io.stderr.write(`${result.notDeleted} message(s) were sent but could not be deleted from ${target.name}; a later redrive sends them again.
`);
  }
  if (result.sendFailed > 0) {
    throw new Error(`${result.sendFailed} message(s) could not be sent and stay in ${target.name}: ${result.firstError}`);
  }
}

// cli/dlq/show.ts
async function showMessage(context, messageId) {
  const { sqs, io, target, settings } = context;
  const [message] = await peekMessages(sqs, target.deadLetterQueueUrl, {
    max: 1,
    waitTimeSeconds: settings.receiveWaitSeconds,
    select: (candidate) => candidate.MessageId === messageId
  });
  if (!message) throw new Error(`message ${messageId} is not in ${target.name} (already redriven or purged?)`);
  io.stdout.write(`${JSON.stringify(describeMessage(message, target.destination), null, 2)}
`);
}

// cli/io.ts
function processIo() {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

// cli/main.ts
var DESTINATION_LIST = DESTINATIONS.join("|");
var USAGE = `Usage: cdp-relay <command>

Commands:
  dlq       inspect, redrive and purge the dead-letter queues (cdp-relay dlq --help)

Options:
  -h, --help  show this help
`;
var DLQ_USAGE = `Usage:
  cdp-relay dlq list   --queue <destination> [--json] [--max N]
  cdp-relay dlq show   <message-id> --queue <destination>
  cdp-relay dlq redrive --queue <destination> [--max N] [--reason R] [--dry-run]
  cdp-relay dlq purge  --queue <destination> [--yes]

Which queue (one of):
  --queue <${DESTINATION_LIST}>   the local stack's queues, found by name on AWS_ENDPOINT_URL_SQS
                                 (or on AWS itself when that is unset)
  --queue <d> --stack <name>     a deployed stack: queue URLs from its CloudFormation outputs
  --queue-url <url>              a DLQ URL; redrive also takes --source-queue-url <url>
                                 (default: the same URL without "-dlq")
  --region <region>              AWS region (default: the SDK's; us-east-1 with AWS_ENDPOINT_URL_SQS)

Options:
  --json       list, redrive --dry-run: one JSON array for scripts
  --max N      list/redrive at most N messages (redrive then moves them one by one)
  --reason R   redrive only messages parked for this reason (permanent, validation,
               retries-exhausted, credentials, outage-exceeded, receive-limit)
  --dry-run    redrive: show what would move, move nothing
  --yes        purge without asking
  -h, --help   show this help

Exit codes: 0 ok, 1 error, 2 usage error.
`;
var OPTIONS = {
  queue: { type: "string" },
  "queue-url": { type: "string" },
  "source-queue-url": { type: "string" },
  stack: { type: "string" },
  region: { type: "string" },
  json: { type: "boolean" },
  max: { type: "string" },
  reason: { type: "string" },
  "dry-run": { type: "boolean" },
  yes: { type: "boolean" },
  help: { type: "boolean", short: "h" }
};
var QUEUE_OPTIONS = ["queue", "queue-url", "stack", "region", "help"];
var COMMAND_OPTIONS = {
  list: [...QUEUE_OPTIONS, "json", "max"],
  show: [...QUEUE_OPTIONS],
  redrive: [...QUEUE_OPTIONS, "source-queue-url", "max", "reason", "dry-run", "json"],
  purge: [...QUEUE_OPTIONS, "yes"]
};
function isDlqCommand(value) {
  return value !== void 0 && Object.hasOwn(COMMAND_OPTIONS, value);
}
function parse(argv) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
function parseMax(value) {
  if (value === void 0) return void 0;
  const max = Number(value);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max must be a positive whole number, got "${value}"`);
  return max;
}
function parseDestination(value) {
  if (value === void 0) return void 0;
  if (!isDestination(value)) throw new UsageError(`--queue must be one of ${DESTINATIONS.join(", ")}, got "${value}"`);
  return value;
}
async function runDlq(command, rest, values, io, settings) {
  if (!isDlqCommand(command)) throw new UsageError(command === void 0 ? "missing dlq command" : `unknown dlq command "${command}"`);
  const allowed = COMMAND_OPTIONS[command];
  const misplaced = Object.keys(values).filter((name) => !allowed.includes(name));
  if (misplaced.length > 0) throw new UsageError(`dlq ${command} does not take --${misplaced.join(", --")}`);
  const expectedPositionals = command === "show" ? 1 : 0;
  if (rest.length !== expectedPositionals) {
    throw new UsageError(command === "show" ? "dlq show takes one message id" : `unexpected argument "${rest[0]}"`);
  }
  if (values.json && command === "redrive" && !values["dry-run"]) throw new UsageError("--json on redrive needs --dry-run");
  const max = parseMax(values.max);
  const region = values.region;
  const sqs = createSqsClient({ region });
  try {
    const target = await resolveDlq(sqs, {
      queue: parseDestination(values.queue),
      queueUrl: values["queue-url"],
      sourceQueueUrl: values["source-queue-url"],
      stack: values.stack,
      region
    });
    const context = { sqs, io, target, settings };
    switch (command) {
      case "list":
        await listDlq(context, { json: Boolean(values.json), max });
        return 0;
      case "show":
        await showMessage(context, rest[0] ?? "");
        return 0;
      case "redrive":
        await redrive(context, { max, dryRun: Boolean(values["dry-run"]), reason: values.reason, json: Boolean(values.json) });
        return 0;
      case "purge":
        return await purge(context, { yes: Boolean(values.yes) }) ? 0 : 1;
    }
  } finally {
    sqs.destroy();
  }
}
async function main(argv, io = processIo(), settings = DEFAULT_DLQ_SETTINGS) {
  let usage = USAGE;
  try {
    const { values, positionals } = parse(argv);
    const [group, command, ...rest] = positionals;
    if (group === "dlq") usage = DLQ_USAGE;
    if (values.help) {
      io.stdout.write(usage);
      return 0;
    }
    if (group === void 0) throw new UsageError("missing command");
    if (group !== "dlq") throw new UsageError(`unknown command "${group}"`);
    return await runDlq(command, rest, values, io, settings);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`cdp-relay: ${error.message}

${usage}`);
      return 2;
    }
    const message = connectionProblem(error) ?? (error instanceof Error ? error.message : String(error));
    io.stderr.write(`cdp-relay: ${redactText(message.split("\n")[0] ?? "")}
`);
    return 1;
  }
}
export {
  DLQ_USAGE,
  USAGE,
  main
};
