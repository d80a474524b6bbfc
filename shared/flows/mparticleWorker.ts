import { mparticleDelivery } from "../destinations/mparticle/deliver.js";
import { brazeToMparticle } from "./brazeToMparticle.js";
import { batchCarry } from "../queue/carry.js";
import { flowWorker } from "./flow.js";

/**
 * The mParticle queue's worker, with the flows that feed it (a second source is one more flow in the
 * list); its requests carry many events, so part-filled ones are carried over.
 */
export const mparticleWorker = flowWorker(mparticleDelivery, [brazeToMparticle], batchCarry);
