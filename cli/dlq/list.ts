import { formatAge, renderTable } from "../format.js";
import type { DlqContext } from "./context.js";
import { toDlqEntry, type DlqEntry } from "./entry.js";
import { peekMessages } from "./reader.js";

/** The DLQ's messages, oldest first, read without consuming them. */
async function readEntries(context: DlqContext, max?: number): Promise<DlqEntry[]> {
  const { sqs, target, settings } = context;
  const messages = await peekMessages(sqs, target.deadLetterQueueUrl, { max, waitTimeSeconds: settings.receiveWaitSeconds });
  return messages.map((message) => toDlqEntry(message, target.destination)).sort((a, b) => (a.sentAt ?? "").localeCompare(b.sentAt ?? ""));
}

function age(entry: DlqEntry, now: number): string {
  return entry.sentAt ? formatAge(now - Date.parse(entry.sentAt)) : "?";
}

export function renderEntries(entries: DlqEntry[], now = Date.now()): string {
  return renderTable(
    ["MESSAGE ID", "AGE", "DESTINATION", "REASON", "STATUS", "ATTEMPTS", "ERROR"],
    entries.map((entry) => [
      entry.messageId,
      age(entry, now),
      entry.destination ?? "?",
      entry.reason,
      entry.status === null ? "-" : String(entry.status),
      String(entry.attempts),
      entry.partnerMessage ? `${entry.message ?? ""}: ${entry.partnerMessage}` : (entry.message ?? ""),
    ]),
  );
}

/** "permanent 2, receive-limit 1": what kind of night it is, before reading the rows. */
function countByReason(entries: DlqEntry[]): string {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.reason, (counts.get(entry.reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${reason} ${count}`).join(", ");
}

export async function listDlq(context: DlqContext, options: { json: boolean; max?: number }): Promise<void> {
  const { io, target } = context;
  const entries = await readEntries(context, options.max);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    io.stdout.write(`${target.name} is empty.\n`);
    return;
  }
  const now = Date.now();
  const limited = options.max !== undefined && entries.length >= options.max ? ` (first ${options.max}, --max)` : "";
  const oldest = entries[0] ? age(entries[0], now) : "?";
  io.stdout.write(
    `${renderEntries(entries, now)}\n\n` +
      `${entries.length} message(s) in ${target.name}${limited}: ${countByReason(entries)}. Oldest: ${oldest}.\n` +
      `Details: cdp-relay dlq show <message-id> with the same queue options.\n`,
  );
}
