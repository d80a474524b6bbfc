import { checkPushwooshSettings } from "../shared/flows/mparticleToPushwoosh/settings.js";
import { pushwooshWorker } from "../shared/flows/pushwooshWorker.js";
import { createWorkerHandler } from "../shared/queue/worker.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/** SQS → Pushwoosh (device API, server API, bulkSetTags), mParticle events, audiences and erasures. */
export const handler = createWorkerHandler(pushwooshWorker);
