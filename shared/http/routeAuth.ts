import type { INBOUND_CREDENTIALS, InboundField } from "../config/secrets.js";

/**
 * How each route authenticates, declared once: its function passes the declaration to requireAuthorization
 * (shared/http/ingest.ts) and infra/wiring.ts gives it to the route's entry, from which
 * test/functions/routeAuth.test.ts drives a wrong and a missing credential at every route.
 */
export interface RouteAuth {
  /** `Authorization: <scheme> <credential>`; null compares the whole header value. */
  scheme: "Bearer" | "Token" | null;
  /** The inbound field holding the current credential; unconfigured means the route answers 503. */
  current: (typeof INBOUND_CREDENTIALS)[number];
  /** The inbound field holding the credential being rotated out, accepted alongside when configured. */
  previous?: InboundField;
}

/** `/mparticle/events` and `/mparticle/audiences`: the Firehose's `Authorization: Token <token>`. */
export const MPARTICLE_FIREHOSE_AUTH: RouteAuth = { scheme: "Token", current: "mparticleToken", previous: "previousMparticleToken" };

/** `/mparticle/webhook`: the Webhook output sends the whole header value it is configured with, any scheme. */
export const MPARTICLE_WEBHOOK_AUTH: RouteAuth = { scheme: null, current: "mparticleWebhookAuthorization", previous: "previousMparticleWebhookAuthorization" };

/** `/braze/currents`: Braze Currents' `Authorization: Bearer <token>`. */
export const BRAZE_CURRENTS_AUTH: RouteAuth = { scheme: "Bearer", current: "brazeToken", previous: "previousBrazeToken" };
