import { describe, expect, it } from "vitest";
import { pushwooshMappingSettings, pushwooshTagTypes } from "../../../../shared/flows/mparticleToPushwoosh/settings.js";
import { withEnv } from "../../../support/env.js";

describe("the mParticle → Pushwoosh mapping settings", () => {
  it("reads the Pushwoosh mapping settings with their defaults, and refuses an unknown user id choice", () => {
    const unset = { PUSHWOOSH_SCREEN_VIEW_EVENT: undefined, PUSHWOOSH_AUDIENCE_TAG: undefined, PUSHWOOSH_USER_ID: undefined, PUSHWOOSH_TAG_TYPES: undefined };
    expect(withEnv(unset, pushwooshMappingSettings)).toEqual({
      screenViewEvent: "PW_ScreenOpen",
      audienceTag: "mParticle Audiences",
      userId: "customer",
      tagTypes: {},
    });
    expect(withEnv({ ...unset, PUSHWOOSH_USER_ID: "mpid", PUSHWOOSH_AUDIENCE_TAG: "Segments" }, pushwooshMappingSettings)).toMatchObject({
      userId: "mpid",
      audienceTag: "Segments",
    });
    expect(() => withEnv({ ...unset, PUSHWOOSH_USER_ID: "email" }, pushwooshMappingSettings)).toThrow(
      'PUSHWOOSH_USER_ID must be "customer" or "mpid", not "email"',
    );
  });

  it("reads PUSHWOOSH_TAG_TYPES as tag → type, and names the problem of a bad value", () => {
    expect(withEnv({ PUSHWOOSH_TAG_TYPES: '{"Score":"decimal","Tier":"integer"}' }, pushwooshTagTypes)).toEqual({ Score: "decimal", Tier: "integer" });
    expect(withEnv({ PUSHWOOSH_TAG_TYPES: undefined }, pushwooshTagTypes)).toEqual({});
    expect(() => withEnv({ PUSHWOOSH_TAG_TYPES: "{Score: decimal}" }, pushwooshTagTypes)).toThrow("PUSHWOOSH_TAG_TYPES is not valid JSON");
    expect(() => withEnv({ PUSHWOOSH_TAG_TYPES: '["Score"]' }, pushwooshTagTypes)).toThrow("PUSHWOOSH_TAG_TYPES must be a JSON object");
    expect(() => withEnv({ PUSHWOOSH_TAG_TYPES: '{"Score":"float"}' }, pushwooshTagTypes)).toThrow(
      'tag "Score" has type "float"; use one of string, integer, decimal, boolean, date, list',
    );
    expect(() => withEnv({ PUSHWOOSH_TAG_TYPES: '{"Score":"float"}' }, pushwooshMappingSettings)).toThrow(/PUSHWOOSH_TAG_TYPES/);
  });

  it.each(["null", "42", '"Score=decimal"', "true"])("refuses %s, JSON but no object, as no tag table", (value) => {
    expect(() => withEnv({ PUSHWOOSH_TAG_TYPES: value }, pushwooshTagTypes)).toThrow("PUSHWOOSH_TAG_TYPES must be a JSON object of tag name → type");
  });

  it.each(['{"":"string"}', '{"  ":"string","Score":"decimal"}'])("refuses a blank tag name in %s", (value) => {
    expect(() => withEnv({ PUSHWOOSH_TAG_TYPES: value }, pushwooshTagTypes)).toThrow("PUSHWOOSH_TAG_TYPES has an empty tag name");
  });

  it("parses a value once: every call returns the same frozen table", () => {
    const read = () => withEnv({ PUSHWOOSH_TAG_TYPES: '{"Visits":"integer"}' }, pushwooshTagTypes);

    const first = read();

    expect(read()).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});
