import { parseArgs } from "node:util";
import { DESTINATIONS, isDestination, type Destination } from "../shared/queue/definition.js";
import { connectionProblem, createSqsClient } from "./dlq/aws.js";
import { DEFAULT_DLQ_SETTINGS, type DlqContext, type DlqSettings } from "./dlq/context.js";
import { listDlq } from "./dlq/list.js";
import { purge } from "./dlq/purge.js";
import { resolveDlq } from "./dlq/queues.js";
import { redrive } from "./dlq/redrive.js";
import { showMessage } from "./dlq/show.js";
import { processIo, type CliIo } from "./io.js";
import { redactText } from "../shared/observability.js";
import { UsageError } from "./usageError.js";

const DESTINATION_LIST = DESTINATIONS.join("|");

export const USAGE = `Usage: cdp-relay <command>

Commands:
  dlq       inspect, redrive and purge the dead-letter queues (cdp-relay dlq --help)

Options:
  -h, --help  show this help
`;

export const DLQ_USAGE = `Usage:
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

const OPTIONS = {
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
  help: { type: "boolean", short: "h" },
} as const;

type OptionName = keyof typeof OPTIONS;

const QUEUE_OPTIONS: OptionName[] = ["queue", "queue-url", "stack", "region", "help"];
/** Options each subcommand accepts: a flag given to the wrong one is a mistake worth naming at 3 a.m. */
const COMMAND_OPTIONS = {
  list: [...QUEUE_OPTIONS, "json", "max"],
  show: [...QUEUE_OPTIONS],
  redrive: [...QUEUE_OPTIONS, "source-queue-url", "max", "reason", "dry-run", "json"],
  purge: [...QUEUE_OPTIONS, "yes"],
} satisfies Record<string, OptionName[]>;
type DlqCommand = keyof typeof COMMAND_OPTIONS;

function isDlqCommand(value: string | undefined): value is DlqCommand {
  return value !== undefined && Object.hasOwn(COMMAND_OPTIONS, value);
}

type Values = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function parseMax(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const max = Number(value);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max must be a positive whole number, got "${value}"`);
  return max;
}

function parseDestination(value: string | undefined): Destination | undefined {
  if (value === undefined) return undefined;
  if (!isDestination(value)) throw new UsageError(`--queue must be one of ${DESTINATIONS.join(", ")}, got "${value}"`);
  return value;
}

async function runDlq(command: string | undefined, rest: string[], values: Values, io: CliIo, settings: DlqSettings): Promise<number> {
  if (!isDlqCommand(command)) throw new UsageError(command === undefined ? "missing dlq command" : `unknown dlq command "${command}"`);
  const allowed: OptionName[] = COMMAND_OPTIONS[command];
  const misplaced = (Object.keys(values) as OptionName[]).filter((name) => !allowed.includes(name));
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
      region,
    });
    const context: DlqContext = { sqs, io, target, settings };
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
        return (await purge(context, { yes: Boolean(values.yes) })) ? 0 : 1;
    }
  } finally {
    sqs.destroy();
  }
}

/** Runs one command line; returns the exit code. Never throws: errors become one line on stderr. */
export async function main(argv: string[], io: CliIo = processIo(), settings: DlqSettings = DEFAULT_DLQ_SETTINGS): Promise<number> {
  let usage = USAGE;
  try {
    const { values, positionals } = parse(argv);
    const [group, command, ...rest] = positionals;
    if (group === "dlq") usage = DLQ_USAGE;
    if (values.help) {
      io.stdout.write(usage);
      return 0;
    }
    if (group === undefined) throw new UsageError("missing command");
    if (group !== "dlq") throw new UsageError(`unknown command "${group}"`);
    return await runDlq(command, rest, values, io, settings);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`cdp-relay: ${error.message}\n\n${usage}`);
      return 2;
    }
    const message = connectionProblem(error) ?? (error instanceof Error ? error.message : String(error));
    io.stderr.write(`cdp-relay: ${redactText(message.split("\n")[0] ?? "")}\n`);
    return 1;
  }
}
