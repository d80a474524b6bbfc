import { mixpanelWorker } from "../shared/flows/mixpanelWorker.js";
import { createWorkerHandler } from "../shared/queue/worker.js";

/** SQS → Mixpanel Import API (`/import?strict=1`), Braze Currents events. */
export const handler = createWorkerHandler(mixpanelWorker);
