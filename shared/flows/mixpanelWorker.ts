import { mixpanelDelivery } from "../destinations/mixpanel/deliver.js";
import { brazeToMixpanel } from "./brazeToMixpanel.js";
import { flowWorker } from "./flow.js";

/** The Mixpanel queue's worker, with the flows that feed it (a second source is one more flow in the list). */
export const mixpanelWorker = flowWorker(mixpanelDelivery, [brazeToMixpanel]);
