import { mparticleDelivery } from "../destinations/mparticle/deliver.js";
import { brazeToMparticle } from "./brazeToMparticle.js";
import { flowWorker } from "./flow.js";

/** The mParticle queue's worker, with the flows that feed it (a second source is one more flow in the list). */
export const mparticleWorker = flowWorker(mparticleDelivery, [brazeToMparticle]);
