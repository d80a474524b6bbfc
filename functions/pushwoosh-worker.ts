import { pushwooshWorker } from "../shared/flows/index.js";
import { createWorkerHandler } from "../shared/queue/worker.js";

/** SQS → Pushwoosh (device API, server API, bulkSetTags), mParticle events and audiences. */
export const handler = createWorkerHandler(pushwooshWorker);
