import { pushwooshDelivery } from "../destinations/pushwoosh/deliver.js";
import { flowWorker } from "./flow.js";
import { mparticleToPushwoosh } from "./mparticleToPushwoosh.js";

/** The Pushwoosh queue's worker, with the flows that feed it (a second source is one more flow in the list). */
export const pushwooshWorker = flowWorker(pushwooshDelivery, [mparticleToPushwoosh]);
