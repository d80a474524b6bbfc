import type { ModuleRegistrationRequest } from "../../sources/mparticle/schema.js";
import { responseTo } from "../../sources/mparticle/accept.js";

/** Setting ids are public contract: mParticle stores the customer's values under them. */
const ACCOUNT_SETTING_IDS = {
  applicationCode: "applicationCode",
  apiToken: "apiToken",
  serverApiToken: "serverApiToken",
} as const;

const MODULE_NAME = "Pushwoosh (cdp-relay)";
const MODULE_VERSION = "1.0";

/** The event types we forward; mParticle sends only these. */
const SUPPORTED_EVENT_TYPES = ["custom_event", "screen_view", "user_attribute_change", "push_subscription"] as const;

/** The only data subject request type the Firehose knows (mparticle-firehose-java-sdk DsrProcessingRegistration). */
const SUPPORTED_DSR_TYPES = ["erasure"] as const;
/**
 * The OpenDSR processor domain the module declares. mParticle does not document what it expects here
 * (the SDK example says "TEST_DOMAIN"); the processor of the erased data is Pushwoosh.
 */
const DSR_DOMAIN = "pushwoosh.com";

/** Devices register on iOS, Android and the web; tags and events work from any environment. */
const SUPPORTED_RUNTIME_ENVIRONMENTS = ["ios", "android", "mobileweb", "unknown"] as const;

const ACCOUNT_SETTINGS = [
  {
    type: "text",
    id: ACCOUNT_SETTING_IDS.applicationCode,
    name: "Pushwoosh Application Code",
    description: "The code of your Pushwoosh application, e.g. XXXXX-XXXXX (Pushwoosh Control Panel, application settings).",
    visible: true,
    required: true,
    confidential: false,
  },
  {
    type: "text",
    id: ACCOUNT_SETTING_IDS.apiToken,
    name: "Pushwoosh Device API Token",
    description: "A Device API access token (Pushwoosh Control Panel, Settings > API Access). Used for tags, events and devices.",
    visible: true,
    required: true,
    confidential: true,
  },
  {
    type: "text",
    id: ACCOUNT_SETTING_IDS.serverApiToken,
    name: "Pushwoosh Server API Token",
    description: "A Server API access token. Needed to create a Pushwoosh segment for each mParticle audience and for bulk membership updates.",
    visible: true,
    required: false,
    confidential: true,
  },
];

/** The answer to mParticle's module registration request. */
export function registrationResponse(request: ModuleRegistrationRequest, now = Date.now()) {
  return {
    ...responseTo(request, now),
    name: MODULE_NAME,
    version: MODULE_VERSION,
    description:
      "Keeps <a href='https://www.pushwoosh.com'>Pushwoosh</a> current with mParticle data: user attributes as tags, " +
      "custom events and screen views as events, push tokens as devices, audiences as segments, and erasure requests as deleted users.",
    permissions: {
      user_identities: [
        { type: "customer", encoding: "raw", required: false },
        { type: "email", encoding: "raw", required: false },
      ],
      device_identities: [
        { type: "ios_vendor_id", encoding: "raw", required: false },
        { type: "android_id", encoding: "raw", required: false },
        { type: "apple_push_notification_token", encoding: "raw", required: false },
        { type: "google_cloud_messaging_token", encoding: "raw", required: false },
      ],
      allow_access_mpid: true,
      allow_user_attributes: true,
      allow_audience_user_attributes: true,
      allow_device_info: true,
      allow_access_http_user_agent: true,
      // Batches without events still carry the user's attributes, kept current as tags
      // (mparticle-firehose-java-sdk, Permissions.allowEventlessBatches: "receive batches that don't contain any events").
      allow_eventless_batches: true,
    },
    event_processing_registration: {
      account_settings: ACCOUNT_SETTINGS,
      supported_event_types: SUPPORTED_EVENT_TYPES,
      supported_runtime_environments: SUPPORTED_RUNTIME_ENVIRONMENTS,
      max_data_age_hours: 24,
    },
    audience_processing_registration: { account_settings: ACCOUNT_SETTINGS },
    // DSR has its own account settings: erasure needs the application code and the Device API token.
    dsr_processing_registration: {
      account_settings: ACCOUNT_SETTINGS.filter((setting) => setting.id !== ACCOUNT_SETTING_IDS.serverApiToken),
      supported_dsr_types: SUPPORTED_DSR_TYPES,
      domain: DSR_DOMAIN,
    },
  };
}
