/**
 * What one ingest request may hold, checked before any parsing work. Every value sits below API
 * Gateway's 10 MB request limit and Lambda's 6 MB invocation payload (a base64 body grows by 4/3), so
 * the relay, not the platform, answers with a JSON error. docs/security.md has the table; a test keeps
 * it in step with these values.
 */
export interface IngestLimits {
  /** Bytes of the body as sent (after base64 decoding, before decompression): 413. */
  maxBodyBytes: number;
  /** Bytes of the body after decompression, enforced while inflating: 413. */
  maxDecodedBytes: number;
  /** Nesting of objects and arrays, checked by a linear scan before JSON.parse: 400. */
  maxDepth: number;
  /** The top-level array holding the request's events (or profiles) and how many it may hold: 413. */
  items?: { field: string; max: number };
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** Partner documents nest a few levels (Braze properties, mParticle audience attributes); 32 leaves room. */
const MAX_DEPTH = 32;

/** mParticle's registration request is a small fixed document. */
export const REGISTRATION_LIMITS: IngestLimits = { maxBodyBytes: 64 * KIB, maxDecodedBytes: 64 * KIB, maxDepth: MAX_DEPTH };

/** One mParticle event batch (one user's batch); events become one work item each at most. */
export const MPARTICLE_EVENTS_LIMITS: IngestLimits = {
  maxBodyBytes: 1 * MIB,
  maxDecodedBytes: 1 * MIB,
  maxDepth: MAX_DEPTH,
  items: { field: "events", max: 1000 },
};

/** Audience membership changes carry many user profiles; they are chunked into work items of 500 devices. */
export const MPARTICLE_AUDIENCES_LIMITS: IngestLimits = {
  maxBodyBytes: 2 * MIB,
  maxDecodedBytes: 2 * MIB,
  maxDepth: MAX_DEPTH,
  items: { field: "user_profiles", max: 10_000 },
};

/**
 * Braze sends up to 100 events per batch by default, each under 900 KB (Braze drops larger ones), and
 * splits a batch answered 413 (Braze "Custom HTTP connector" docs): 1 MiB keeps any one event whole.
 */
export const BRAZE_CURRENTS_LIMITS: IngestLimits = {
  maxBodyBytes: 1 * MIB,
  maxDecodedBytes: 1 * MIB,
  maxDepth: MAX_DEPTH,
  items: { field: "events", max: 1000 },
};

/**
 * The mParticle Webhook output POSTs one Events API batch or an array of them (up to 100, mParticle's
 * bulk limit); mParticle documents no size for it, and holds an Events API batch to 128 KB. The event
 * count is summed over the batches.
 */
export const MPARTICLE_WEBHOOK_LIMITS: IngestLimits = {
  maxBodyBytes: 2 * MIB,
  maxDecodedBytes: 2 * MIB,
  maxDepth: MAX_DEPTH,
  items: { field: "events", max: 1000 },
};
