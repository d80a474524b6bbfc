import { DESTINATIONS, type Destination } from "../shared/queue/definition.js";

/**
 * The deployed functions and the routes that reach them, read by both the CDK stack and the local
 * stack. Each name is a file in functions/ that exports `handler`. Routes are public contract.
 */
export interface WebhookRoute {
  method: "POST";
  path: string;
  functionName: string;
  /** Queues the function may send to. */
  destinations: readonly Destination[];
  /** Whether it needs the relay secret (inbound tokens); registration answers without auth and does not. */
  readsSecret: boolean;
}

export const WEBHOOK_ROUTES: readonly WebhookRoute[] = [
  { method: "POST", path: "/mparticle/registration", functionName: "mparticle-registration", destinations: [], readsSecret: false },
  { method: "POST", path: "/mparticle/events", functionName: "mparticle-events", destinations: ["pushwoosh"], readsSecret: true },
  { method: "POST", path: "/mparticle/audiences", functionName: "mparticle-audiences", destinations: ["pushwoosh"], readsSecret: true },
  { method: "POST", path: "/braze/currents", functionName: "braze-currents", destinations: ["mparticle", "mixpanel"], readsSecret: true },
];

export interface WorkerFunction {
  destination: Destination;
  functionName: string;
}

export const WORKER_FUNCTIONS: readonly WorkerFunction[] = DESTINATIONS.map((destination) => ({
  destination,
  functionName: `${destination}-worker`,
}));
