import { GetQueueAttributesCommand, PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { createInterface } from "node:readline/promises";
import { UsageError } from "../usageError.js";
import type { DlqContext } from "./context.js";

async function confirm(context: DlqContext, count: number, word: string): Promise<boolean> {
  const { io, target } = context;
  const prompt = createInterface({ input: io.stdin, terminal: false });
  try {
    io.stdout.write(
      `About to delete about ${count} message(s) from ${target.name}. This cannot be undone.\n` +
        `(To keep a copy first: cdp-relay dlq list --json ... > dlq-backup.json)\n` +
        `Type "${word}" to confirm: `,
    );
    const answer = await prompt.question("");
    return answer.trim() === word;
  } finally {
    prompt.close();
  }
}

/** Deletes everything in the DLQ, after the user typed the queue's destination (or --yes). */
export async function purge(context: DlqContext, options: { yes: boolean }): Promise<boolean> {
  const { sqs, io, target } = context;
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: target.deadLetterQueueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  const count = (Number(attributes.Attributes?.ApproximateNumberOfMessages) || 0) + (Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible) || 0);
  if (!options.yes) {
    if (!io.stdin.isTTY) throw new UsageError(`refusing to purge ${target.name} without --yes: stdin is not a terminal`);
    if (!(await confirm(context, count, target.destination ?? target.name))) {
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
  io.stdout.write(`Purged ${target.name}: about ${count} message(s) deleted.\n`);
  return true;
}
