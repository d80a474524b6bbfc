import { SECRET_PLACEHOLDER_PREFIX as PLACEHOLDER, type RelaySecrets } from "../shared/config/secrets.js";

function feed(platform: string): { key: string; secret: string } {
  return { key: `${PLACEHOLDER}_${platform}_feed_key`, secret: `${PLACEHOLDER}_${platform}_feed_secret` };
}

/**
 * The initial value of the relay secret: the documented document with placeholders the user replaces.
 * It parses against the schema; ingest refuses a placeholder inbound credential (503) and a forgotten
 * partner placeholder fails at the partner, not at cold start.
 */
export const SECRET_TEMPLATE: RelaySecrets = {
  inbound: {
    mparticleToken: `${PLACEHOLDER}_mparticle_token`,
    brazeToken: `${PLACEHOLDER}_braze_token`,
    mparticleWebhookAuthorization: `${PLACEHOLDER}_mparticle_webhook_authorization`,
  },
  // The Pushwoosh application of the mParticle Webhook door (serverApiToken is optional, so not templated).
  pushwoosh: {
    applicationCode: `${PLACEHOLDER}_pushwoosh_application_code`,
    apiToken: `${PLACEHOLDER}_pushwoosh_device_api_token`,
  },
  mparticle: {
    environment: "production",
    feeds: { ios: feed("ios"), android: feed("android"), web: feed("web"), unbound: feed("unbound") },
  },
  mixpanel: { projectToken: `${PLACEHOLDER}_mixpanel_project_token` },
};

/** Secrets Manager adds one random value to the template; the relay ignores it, users may take it as an inbound token. */
export const GENERATED_TOKEN_KEY = "generatedToken";
