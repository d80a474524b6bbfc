import { describe, expect, it } from "vitest";
import { mergeSetTags, type OpenedCall } from "../../../../shared/destinations/pushwoosh/mergeTags.js";
import type { Tags } from "../../../../shared/destinations/pushwoosh/schema.js";

const APP = { applicationCode: "ABCDE-12345", apiToken: "device-api-token" };
const OTHER_APP = { applicationCode: "FGHIJ-67890", apiToken: "other-token" };

function setTags(key: string, userId: string, tags: Tags, eventTimeMs?: number, credentials = APP): OpenedCall {
  return { keys: [key], call: { method: "setTags", userId, tags }, credentials, ...(eventTimeMs === undefined ? {} : { eventTimeMs }) };
}

describe("mergeSetTags", () => {
  it("makes one setTags per user and application, each tag's latest value by event time, in the first call's place", () => {
    const postEvent: OpenedCall = {
      keys: ["e"],
      call: { method: "postEvent", userId: "u1", event: "Opened", attributes: {}, timestampUTC: 1, timestampCurrent: 1 },
      credentials: APP,
    };
    const merged = mergeSetTags([
      setTags("new", "u1", { Plan: "gold", Churned: null }, 2_000),
      postEvent,
      setTags("old", "u1", { Plan: "silver", Tier: "bronze", Churned: true }, 1_000),
      setTags("undated", "u1", { Tier: "none", Score: 3 }),
      setTags("other user", "u2", { Plan: "free" }, 5_000),
      setTags("other app", "u1", { Plan: "trial" }, 9_000, OTHER_APP),
    ]);

    expect(merged).toEqual([
      {
        keys: ["new", "old", "undated"],
        call: { method: "setTags", userId: "u1", tags: { Tier: "bronze", Score: 3, Plan: "gold", Churned: null } },
        credentials: APP,
        eventTimeMs: 2_000,
      },
      postEvent,
      setTags("other user", "u2", { Plan: "free" }, 5_000),
      setTags("other app", "u1", { Plan: "trial" }, 9_000, OTHER_APP),
    ]);
  });

  it("leaves a list edit as a call of its own (setTags takes one edit per tag) and keeps a __proto__ tag a tag", () => {
    const edit = setTags("edit", "u1", { Audiences: { operation: "append", value: ["vip"] } }, 3_000);
    const proto = JSON.parse('{"__proto__": "x"}') as Tags;
    const [first, second] = mergeSetTags([setTags("a", "u1", proto, 1_000), edit, setTags("b", "u1", { Plan: "gold" }, 2_000)]);

    expect(Object.getPrototypeOf(first?.call)).toBe(Object.prototype);
    expect(first?.keys).toEqual(["a", "b"]);
    expect(Object.entries((first?.call as { tags: Tags }).tags)).toEqual([
      ["__proto__", "x"],
      ["Plan", "gold"],
    ]);
    expect(second).toBe(edit);
  });
});
