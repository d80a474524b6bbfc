import type { RelaySecrets } from "../../shared/config/secrets.js";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS } from "./sandboxes/pushwoosh.js";

/** The development secret document `npm start` uses when RELAY_SECRETS_FILE is not set. Not secret. */
export const DEVELOPMENT_SECRETS: RelaySecrets = {
  inbound: {
    mparticleToken: "dev-mparticle-token",
    brazeToken: "dev-braze-token",
    mparticleWebhookAuthorization: "Bearer dev-mparticle-webhook-token",
  },
  // The application the local Pushwoosh sandbox accepts, so the Webhook door works end to end.
  pushwoosh: { ...DEVELOPMENT_PUSHWOOSH_CREDENTIALS },
  mparticle: {
    environment: "development",
    feeds: {
      ios: { key: "dev-ios-key", secret: "dev-ios-secret" },
      android: { key: "dev-android-key", secret: "dev-android-secret" },
      web: { key: "dev-web-key", secret: "dev-web-secret" },
      unbound: { key: "dev-unbound-key", secret: "dev-unbound-secret" },
    },
  },
  mixpanel: { projectToken: "dev-mixpanel-project-token" },
};
