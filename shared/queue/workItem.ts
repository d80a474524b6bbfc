import { createHash } from "node:crypto";
import { z } from "zod";
import { DESTINATIONS } from "./definition.js";

/**
 * The envelope of one unit of work on a destination queue. The payload is the destination's own
 * schema (see shared/destinations/<name>/schema.ts); the envelope only says where it goes and who it is.
 */
export const workItemSchema = z.object({
  /** Deterministic, from the source's own ids: a redelivered webhook yields the same id. */
  workItemId: z.string().min(1),
  destination: z.enum(DESTINATIONS),
  /** Follows the event from the webhook request to the partner call. */
  correlationId: z.string().min(1),
  receivedAt: z.iso.datetime(),
  payload: z.unknown(),
});
export type WorkItem = z.infer<typeof workItemSchema>;

/** A stable id from the parts that identify a piece of work (source ids, never a queue message id). */
export function deriveWorkItemId(...parts: Array<string | number>): string {
  return createHash("sha256").update(parts.map(String).join("\u001f")).digest("hex").slice(0, 32);
}
