import { pushwooshHighSpeedSetup, textSetting } from "../../config/settings.js";
import { TAG_TYPES, type TagType } from "../../destinations/pushwoosh/vocabulary.js";

/** The Pushwoosh names a customer may change (read per call, like partnerBaseUrl). */
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
  /** PUSHWOOSH_TAG_TYPES: tag name → the type its values are converted to (wins over detection). */
  tagTypes: Readonly<Record<string, TagType>>;
}

function pushwooshSetting(name: keyof typeof PUSHWOOSH_SETTING_DEFAULTS): string {
  return textSetting(name) ?? PUSHWOOSH_SETTING_DEFAULTS[name];
}

const parsedTagTypes = new Map<string, Readonly<Record<string, TagType>>>();

/**
 * PUSHWOOSH_TAG_TYPES, a JSON object `{"<tag>": "string|integer|decimal|boolean|date|list"}`; `{}` when unset.
 * Parsed once per value. Anything else throws, naming the variable and the offending entry (never the
 * whole value), so a bad setting fails the function's first invocation instead of typing tags wrongly.
 */
export function pushwooshTagTypes(): Readonly<Record<string, TagType>> {
  const raw = textSetting("PUSHWOOSH_TAG_TYPES");
  if (raw === undefined) return {};
  const cached = parsedTagTypes.get(raw);
  if (cached) return cached;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('PUSHWOOSH_TAG_TYPES is not valid JSON: expected an object such as {"$Zip":"string"}');
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error("PUSHWOOSH_TAG_TYPES must be a JSON object of tag name → type");
  }
  const types: Record<string, TagType> = {};
  for (const [tag, type] of Object.entries(json)) {
    if (tag.trim() === "") throw new Error("PUSHWOOSH_TAG_TYPES has an empty tag name");
    if (!(TAG_TYPES as readonly unknown[]).includes(type)) {
      throw new Error(`PUSHWOOSH_TAG_TYPES: tag ${JSON.stringify(tag)} has type ${JSON.stringify(type)}; use one of ${TAG_TYPES.join(", ")}`);
    }
    types[tag] = type as TagType;
  }
  parsedTagTypes.set(raw, Object.freeze(types));
  return types;
}

export function pushwooshMappingSettings(): PushwooshMappingSettings {
  const userId = pushwooshSetting("PUSHWOOSH_USER_ID");
  if (userId !== "customer" && userId !== "mpid") {
    throw new Error(`PUSHWOOSH_USER_ID must be "customer" or "mpid", not "${userId}"`);
  }
  return {
    screenViewEvent: pushwooshSetting("PUSHWOOSH_SCREEN_VIEW_EVENT"),
    audienceTag: pushwooshSetting("PUSHWOOSH_AUDIENCE_TAG"),
    userId,
    tagTypes: pushwooshTagTypes(),
  };
}

/**
 * Reads every Pushwoosh setting once, throwing on the first bad one. The functions that map to Pushwoosh call
 * it when their module loads, so a bad PUSHWOOSH_TAG_TYPES (or any other) fails the cold start, naming it.
 */
export function checkPushwooshSettings(): void {
  pushwooshMappingSettings();
  pushwooshHighSpeedSetup();
}
