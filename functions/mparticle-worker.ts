import { mparticleWorker } from "../shared/flows/mparticleWorker.js";
import { createWorkerHandler } from "../shared/queue/worker.js";

/** SQS → mParticle Events API (`/v2/bulkevents`), Braze Currents events. */
export const handler = createWorkerHandler(mparticleWorker);
