/** The Pushwoosh names a customer may change, from the environment (read per call, like partnerBaseUrl). */
export const PUSHWOOSH_SETTING_DEFAULTS = {
  /** Pushwoosh's default screen event, which its own SDKs send. */
  PUSHWOOSH_SCREEN_VIEW_EVENT: "PW_ScreenOpen",
  /** The List tag that holds a user's mParticle audience names. */
  PUSHWOOSH_AUDIENCE_TAG: "mParticle Audiences",
  /** `customer`: the raw customer id when there is one, else the mpid; `mpid`: always the mpid. */
  PUSHWOOSH_USER_ID: "customer",
} as const;

export type UserIdChoice = "customer" | "mpid";

export interface PushwooshMappingSettings {
  screenViewEvent: string;
  audienceTag: string;
  userId: UserIdChoice;
}

function setting(name: keyof typeof PUSHWOOSH_SETTING_DEFAULTS): string {
  return process.env[name]?.trim() || PUSHWOOSH_SETTING_DEFAULTS[name];
}

export function pushwooshMappingSettings(): PushwooshMappingSettings {
  const userId = setting("PUSHWOOSH_USER_ID");
  if (userId !== "customer" && userId !== "mpid") {
    throw new Error(`PUSHWOOSH_USER_ID must be "customer" or "mpid", not "${userId}"`);
  }
  return { screenViewEvent: setting("PUSHWOOSH_SCREEN_VIEW_EVENT"), audienceTag: setting("PUSHWOOSH_AUDIENCE_TAG"), userId };
}
