import * as z from "../../zod.js";
import { createMetrics, publishCount } from "../../observability.js";
import { hasOnlyKeys, isAbsentOr, isJsonObject, isNonEmptyString } from "../../jsonShape.js";
import { userSchema } from "../../sources/mparticle/model.js";
import { isMparticleUserAsIs } from "../../sources/mparticle/modelAsIs.js";

export const FLOW = "mparticle-to-pushwoosh";

/** What a work item of this flow carries besides its events: the route writes it, the worker reads it. */
export const contextSchema = z.object({
  /** The customer's credentials, sealed (shared/destinations/pushwoosh/credentials.ts). */
  credentials: z.string().check(z.minLength(1)),
  /** Whether a server API token is among them (bulk calls and segments need one). */
  serverApi: z.boolean(),
  user: z.optional(userSchema),
});
export type PushwooshFlowContext = z.infer<typeof contextSchema>;

const CONTEXT_KEYS = new Set(["credentials", "serverApi", "user"]);

/** Whether `value` is a context that `contextSchema` would return equal to itself (shared/jsonShape.ts). */
export function isContextAsIs(value: unknown): value is PushwooshFlowContext {
  return (
    isJsonObject(value) &&
    hasOnlyKeys(value, CONTEXT_KEYS) &&
    isNonEmptyString(value.credentials) &&
    typeof value.serverApi === "boolean" &&
    isAbsentOr(value.user, isMparticleUserAsIs)
  );
}

const metrics = createMetrics({ flow: FLOW });

/** Counts one occurrence of `metric` with the dimension `reason`. */
export function count(metric: string, reason: string): void {
  publishCount(metrics, metric, 1, { reason });
}
