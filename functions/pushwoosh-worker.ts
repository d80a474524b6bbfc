import { pushwooshWorker } from "../shared/destinations/pushwoosh/deliver.js";
import { createWorkerHandler } from "../shared/queue/worker.js";

export const handler = createWorkerHandler(pushwooshWorker);
