import { z } from "zod";

/** One event for `/import`, as a flow gives it to the destination. */
export const mixpanelEventSchema = z.object({
  event: z.string().min(1),
  properties: z.looseObject({
    distinct_id: z.string(),
    /** Milliseconds since the epoch. */
    time: z.number().int(),
    /** Deduplication key: ≤ 36 bytes of [A-Za-z0-9-] (limits.ts makes any source id one). */
    $insert_id: z.string().min(1),
  }),
});
export type MixpanelEvent = z.infer<typeof mixpanelEventSchema>;

/**
 * `/import?strict=1` answers: 200 with a count, or 400 naming each rejected record by `index` and
 * `insert_id` (no `$`: https://docs.mixpanel.com/troubleshooting/errors/400-bad-request).
 */
export const importResponseSchema = z.looseObject({
  code: z.number().optional(),
  error: z.string().optional(),
  num_records_imported: z.number().optional(),
  failed_records: z
    .array(
      z.looseObject({
        index: z.number().int().optional(),
        insert_id: z.string().optional(),
        field: z.string().optional(),
        message: z.string().optional(),
      }),
    )
    .optional(),
});
