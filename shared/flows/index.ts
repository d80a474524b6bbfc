/**
 * The registry: the worker of each destination queue (with the flows that feed it) and the ingest routes
 * of each source. A work item's `flow` names one of the workers' flows. Each lives in its own module so a
 * function imports only its own (functions/ import those modules, not this index): a bundle then holds and
 * initialises only its own source, flows and destination (docs/performance.md, "Cold start").
 */
export { currentsRoutes } from "./brazeRouting.js";
export { mparticleRoutes } from "./mparticleRoutes.js";
export { mparticleWebhookRoutes } from "./mparticleWebhookRoutes.js";
export { mixpanelWorker } from "./mixpanelWorker.js";
export { mparticleWorker } from "./mparticleWorker.js";
export { pushwooshWorker } from "./pushwooshWorker.js";
