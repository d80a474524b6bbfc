import * as z from "../../zod.js";
import { BULK_LIMITS, mparticleBatchSchema, mparticleEventSchema, type MparticleBatch } from "./schema.js";

/**
 * mParticle answers `/v2/bulkevents` with 202 even when some of its batches fail ("If some event batches
 * succeed and some event batches fail, you will still get an Accepted response",
 * docs.mparticle.com/developers/server/http), so a batch must be known good before it is sent. These checks
 * are the published Events API schema's rules for the fields we send plus the default service limits
 * (schema.ts); test/shared/destinations/mparticle/validate.test.ts proves that what they accept the schema
 * accepts. ajv is not used here: it would weigh on every Lambda bundle.
 */

function describe(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(batch)"}: ${issue.message}`);
}

/** A batch without its events: identities, user attributes, device, environment, request id. */
const headerSchema = z.omit(mparticleBatchSchema, { events: true });
export type BatchHeader = z.infer<typeof headerSchema>;

export function headerProblems(header: BatchHeader): string[] {
  const parsed = headerSchema.safeParse(header);
  return parsed.success ? [] : describe(parsed.error);
}

export function eventProblems(event: unknown): string[] {
  const parsed = mparticleEventSchema.safeParse(event);
  return parsed.success ? [] : describe(parsed.error).map((problem) => `event.${problem}`);
}

/** Under 128 KB of JSON. */
export function sizeProblems(bytes: number): string[] {
  return bytes < BULK_LIMITS.batchBytes ? [] : [`batch is ${bytes} bytes; mParticle takes batches under ${BULK_LIMITS.batchBytes}`];
}

/** Why mParticle would drop this batch; empty when it passes. The planner applies the same checks in parts. */
export function batchProblems(batch: MparticleBatch | Record<string, unknown>): string[] {
  const parsed = mparticleBatchSchema.safeParse(batch);
  return [...(parsed.success ? [] : describe(parsed.error)), ...sizeProblems(Buffer.byteLength(JSON.stringify(batch)))];
}
