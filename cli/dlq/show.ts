import type { DlqContext } from "./context.js";
import { describeMessage } from "./entry.js";
import { peekMessages } from "./reader.js";

/** One message in full (redacted). SQS cannot fetch by id, so this walks the DLQ until it finds it. */
export async function showMessage(context: DlqContext, messageId: string): Promise<void> {
  const { sqs, io, target, settings } = context;
  const [message] = await peekMessages(sqs, target.deadLetterQueueUrl, {
    max: 1,
    waitTimeSeconds: settings.receiveWaitSeconds,
    select: (candidate) => candidate.MessageId === messageId,
  });
  if (!message) throw new Error(`message ${messageId} is not in ${target.name} (already redriven or purged?)`);
  io.stdout.write(`${JSON.stringify(describeMessage(message, target.destination), null, 2)}\n`);
}
