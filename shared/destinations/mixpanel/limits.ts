import { hash } from "node:crypto";
import type { MixpanelEvent } from "./schema.js";

/**
 * Mixpanel's per-event limits, the same for /import as for /track (https://developer.mixpanel.com/reference/track-event,
 * "Limits"; https://docs.mixpanel.com/docs/data-structure/property-reference/data-type): fewer than 255
 * properties, fewer than 255 keys per nested object, nesting depth at most 3, arrays of fewer than 255 items.
 */
export const EVENT_LIMITS = { properties: 254, objectKeys: 254, depth: 3, arrayItems: 254 } as const;

/** `$insert_id`: at most 36 bytes, alphanumeric or `-` (https://docs.mixpanel.com/reference/import-events). */
const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;

/**
 * Ids Mixpanel refuses as `distinct_id` and `$insert_id` (https://docs.mixpanel.com/troubleshooting/errors/400-bad-request:
 * "anon, anonymous, nil, none, null, n/a, 00000000-0000-0000-0000-000000000000 … The same list applies to
 * $insert_id"; the full list is `badUserIds` of Mixpanel's own mixpanel-import tool). Compared case-insensitively.
 */
export const PLACEHOLDER_IDS: ReadonlySet<string> = new Set([
  "-1",
  "0",
  "00000000-0000-0000-0000-000000000000",
  "<nil>",
  "[]",
  "{}",
  "anon",
  "anonymous",
  "false",
  "lmy47d",
  "n/a",
  "na",
  "nil",
  "none",
  "null",
  "true",
  "undefined",
  "unknown",
]);

export function isPlaceholderId(id: string): boolean {
  return PLACEHOLDER_IDS.has(id.trim().toLowerCase());
}

/** A source id as a valid `$insert_id`: itself when Mixpanel takes it, else the first 32 hex digits of its SHA-256. */
export function toInsertId(sourceId: string): string {
  if (INSERT_ID.test(sourceId) && !isPlaceholderId(sourceId)) return sourceId;
  return hash("sha256", sourceId, "hex").slice(0, 32);
}

/** Which limit a cut kept: how many properties, keys, items or too-deep values were dropped. */
export type MixpanelCuts = Partial<Record<"properties" | "objectKeys" | "arrayItems" | "depth", number>>;

/** Properties an event cannot lose (the import contract and the partner id). */
const KEPT = new Set(["distinct_id", "time", "$insert_id", "$partner_id"]);

function add(cuts: MixpanelCuts, limit: keyof MixpanelCuts, count: number): void {
  if (count > 0) cuts[limit] = (cuts[limit] ?? 0) + count;
}

/** A value within the nested limits; `depth` is its container level (a property's own object or list is 1). */
function fitValue(value: unknown, depth: number, cuts: MixpanelCuts): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depth > EVENT_LIMITS.depth) {
    add(cuts, "depth", 1);
    return undefined;
  }
  if (Array.isArray(value)) {
    add(cuts, "arrayItems", value.length - EVENT_LIMITS.arrayItems);
    const items: unknown[] = [];
    const end = Math.min(value.length, EVENT_LIMITS.arrayItems);
    for (let index = 0; index < end; index++) {
      const kept = fitValue(value[index], depth + 1, cuts);
      if (kept !== undefined) items.push(kept);
    }
    return items;
  }
  const names = Object.keys(value);
  add(cuts, "objectKeys", names.length - EVENT_LIMITS.objectKeys);
  const fitted: Record<string, unknown> = {};
  const end = Math.min(names.length, EVENT_LIMITS.objectKeys);
  for (let index = 0; index < end; index++) {
    const name = names[index] as string;
    const kept = fitValue((value as Record<string, unknown>)[name], depth + 1, cuts);
    if (kept !== undefined) fitted[name] = kept;
  }
  return fitted;
}

/**
 * The event within Mixpanel's per-event limits: lists and objects past 254 entries are cut to 254, values
 * nested deeper than 3 levels are dropped, and properties past the 254th (in the mapper's order; the
 * import fields and `$partner_id` are always kept) are dropped. Reports what it cut. Pure.
 */
export function fitEventLimits(event: MixpanelEvent): { event: MixpanelEvent; cuts: MixpanelCuts } {
  const cuts: MixpanelCuts = {};
  // Plain loops, no intermediate lists or sets: this runs per event (docs/performance.md, "Mapping").
  const names = Object.keys(event.properties);
  const source = event.properties as Record<string, unknown>;
  let optionalCount = 0;
  let flat = true;
  for (const name of names) {
    if (!KEPT.has(name)) optionalCount++;
    const value = source[name];
    if ((typeof value === "object" && value !== null) || value === undefined || name === "__proto__") flat = false;
  }
  const room = EVENT_LIMITS.properties - (names.length - optionalCount);
  // The usual event, scalar properties within the count, fits as it is: a spread copies it fastest.
  if (flat && optionalCount <= room) return { event: { event: event.event, properties: { ...event.properties } }, cuts };
  add(cuts, "properties", optionalCount - room);
  const properties: Record<string, unknown> = {};
  let optionalSeen = 0;
  for (const name of names) {
    if (!KEPT.has(name) && optionalSeen++ >= room) continue;
    const fitted = fitValue(source[name], 1, cuts);
    if (fitted !== undefined) properties[name] = fitted;
  }
  return { event: { event: event.event, properties: properties as MixpanelEvent["properties"] }, cuts };
}
