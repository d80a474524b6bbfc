import { mixpanelDelivery } from "../destinations/mixpanel/deliver.js";
import { brazeToMixpanel } from "./brazeToMixpanel.js";
import { batchCarry } from "../queue/carry.js";
import { flowWorker } from "./flow.js";

/**
 * The Mixpanel queue's worker, with the flows that feed it (a second source is one more flow in the
 * list); its requests carry many events, so part-filled ones are carried over.
 */
export const mixpanelWorker = flowWorker(mixpanelDelivery, [brazeToMixpanel], batchCarry);
