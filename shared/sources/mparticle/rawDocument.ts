import { normaliseFirehoseRequest } from "./accept.js";
import type { Door, NormalisedBatch } from "./model.js";
import { firehoseRequestSchema } from "./schema.js";
import { normaliseWebhookBatch, readWebhookBatch } from "./webhookBatch.js";
import { ValidationError, validationErrorOf } from "../../errors.js";

/**
 * A document parked at ingest (a `raw_document` event), normalised again with the parsers deployed now:
 * after a parser fix, a redrive delivers it. Throws the ValidationError naming the field while it still
 * cannot be read. Its account settings were left out when it was parked; the work item carries them sealed.
 */
export function normaliseRawDocument(door: Door, document: unknown, receivedAtMs: number): NormalisedBatch {
  if (door === "webhook") {
    const read = readWebhookBatch(document);
    if (read instanceof ValidationError) throw read;
    const { batch, failures } = normaliseWebhookBatch(read, {}, receivedAtMs);
    if (failures[0]) throw failures[0].error;
    return batch;
  }
  const parsed = firehoseRequestSchema.safeParse(document);
  if (!parsed.success) throw validationErrorOf(parsed.error);
  const { failures, ...batch } = normaliseFirehoseRequest(parsed.data);
  if (failures[0]) throw failures[0].error;
  return batch;
}
