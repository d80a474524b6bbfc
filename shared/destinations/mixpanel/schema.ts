import * as z from "../../zod.js";

/** One event for `/import`, as a flow gives it to the destination. */
export const mixpanelEventSchema = z.object({
  event: z.string().check(z.minLength(1)),
  properties: z.looseObject({
    distinct_id: z.string(),
    /** Milliseconds since the epoch. */
    time: z.int(),
    /** Deduplication key: ≤ 36 bytes of [A-Za-z0-9-] (limits.ts makes any source id one). */
    $insert_id: z.string().check(z.minLength(1)),
  }),
});
export type MixpanelEvent = z.infer<typeof mixpanelEventSchema>;

/**
 * `/import?strict=1` answers: 200 with a count, or 400 naming each rejected record by `index` and
 * `insert_id` (no `$`: https://docs.mixpanel.com/troubleshooting/errors/400-bad-request).
 */
export const importResponseSchema = z.looseObject({
  code: z.optional(z.number()),
  error: z.optional(z.string()),
  num_records_imported: z.optional(z.number()),
  failed_records: z.optional(
    z.array(
      z.looseObject({
        index: z.optional(z.int()),
        insert_id: z.optional(z.string()),
        field: z.optional(z.string()),
        message: z.optional(z.string()),
      }),
    ),
  ),
});
