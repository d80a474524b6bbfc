import type { PushwooshCredentials } from "./credentials.js";
import type { PushwooshCall, TagValue, Tags } from "./schema.js";

/** A call with its credentials opened, the item keys it stands for, and when its facts were true. */
export interface OpenedCall {
  keys: string[];
  call: PushwooshCall;
  credentials: PushwooshCredentials;
  eventTimeMs?: number;
}

type SetTagsCall = Extract<PushwooshCall, { method: "setTags" }>;

const isListEdit = (value: TagValue): boolean => typeof value === "object" && value !== null && !Array.isArray(value);

/** A setTags that only sets values: one that edits a list (append/remove) stays a call of its own. */
function mergeable(call: PushwooshCall): call is SetTagsCall {
  return call.method === "setTags" && !Object.values(call.tags).some(isListEdit);
}

/** Tags of several calls, oldest first, into one object: a later value wins; `__proto__` stays a tag. */
function mergedTags(calls: OpenedCall[]): Tags {
  const tags: Tags = {};
  for (const { call } of calls) {
    for (const [name, value] of Object.entries((call as SetTagsCall).tags)) {
      Object.defineProperty(tags, name, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return tags;
}

function merged(group: OpenedCall[]): OpenedCall {
  const [first] = group;
  if (!first || group.length === 1) return first as OpenedCall;
  // Oldest first, so each tag ends with its latest value; undated calls go first, ties keep arrival order.
  const byTime = [...group].sort((a, b) => (a.eventTimeMs ?? Number.NEGATIVE_INFINITY) - (b.eventTimeMs ?? Number.NEGATIVE_INFINITY));
  const eventTimeMs = Math.max(...group.map((entry) => entry.eventTimeMs ?? Number.NEGATIVE_INFINITY));
  return {
    keys: group.flatMap((entry) => entry.keys),
    call: { method: "setTags", userId: (first.call as SetTagsCall).userId, tags: mergedTags(byTime) },
    credentials: first.credentials,
    ...(Number.isFinite(eventTimeMs) ? { eventTimeMs } : {}),
  };
}

/**
 * At most one setTags per user and application in a delivery (one worker invocation): a user's setTags
 * calls become one, in the place of the first, each tag taking its value from the latest call by event
 * time, not by arrival. Every other call is left as it is.
 */
export function mergeSetTags(calls: OpenedCall[]): OpenedCall[] {
  const groups = new Map<string, OpenedCall[]>();
  const order: Array<OpenedCall | OpenedCall[]> = [];
  for (const entry of calls) {
    if (!mergeable(entry.call)) {
      order.push(entry);
      continue;
    }
    const user = [entry.credentials.applicationCode, entry.credentials.apiToken, entry.call.userId].join("\u001f");
    const group = groups.get(user);
    if (group) group.push(entry);
    else {
      const created = [entry];
      groups.set(user, created);
      order.push(created);
    }
  }
  return order.map((entry) => (Array.isArray(entry) ? merged(entry) : entry));
}
