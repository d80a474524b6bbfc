import type { TagValue, Tags } from "../../destinations/pushwoosh/schema.js";
import type { TagType } from "../../destinations/pushwoosh/vocabulary.js";
import { logger } from "../../observability.js";
import { setOwn } from "../ownProperty.js";
import { count } from "./context.js";
import type { PushwooshMappingSettings } from "./settings.js";

// Tag typing: mParticle sends strings; Pushwoosh tags are typed.

// A number only when it reads back exactly: "02134", "1.50", "1e3" and 20-digit ids stay strings.
const INTEGER = /^-?(0|[1-9]\d*)$/;
const DECIMAL = /^-?(0|[1-9]\d*)\.\d*[1-9]$/;
// ISO 8601 date, optionally with a time and a zone; no zone means UTC.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
// A zone written "+0130", rewritten "+01:30".
const ZONE_WITHOUT_COLON = /^([+-]\d{2})(\d{2})$/;

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** "YYYY-MM-DD HH:mm" in UTC, Pushwoosh's Date tag format; undefined when `value` is no ISO 8601 date. */
export function toPushwooshDate(value: string): string | undefined {
  const match = ISO_DATE.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hours = "00", minutes = "00", seconds = "00", zone] = match;
  // Date rolls 2024-02-30 over to March; a calendar date that does not exist is not a date, zone or not
  // (an invalid one, month 13, has NaN for its day).
  if (new Date(`${year}-${month}-${day}T00:00:00Z`).getUTCDate() !== Number(day)) return undefined;
  // Stryker disable next-line StringLiteral: V8 also reads "+0130"; the colon keeps the string in ECMAScript's date time format.
  const colonZone = zone?.replace(ZONE_WITHOUT_COLON, "$1:$2");
  const zoned = `${year}-${month}-${day}T${hours}:${minutes}:${seconds}${colonZone ?? "Z"}`;
  const date = new Date(zoned);
  if (Number.isNaN(date.getTime())) return undefined;
  // "YYYY": a zone can carry 9999-12-31 into year 10000, which the format cannot hold.
  const utcYear = date.getUTCFullYear();
  if (utcYear > 9999) return undefined;
  return `${String(utcYear).padStart(4, "0")}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

/** Whether `value` starts as every number and ISO date does (a digit or "-"): the only values worth the regexes below. */
function startsLikeNumberOrDate(value: string): boolean {
  const first = value.charCodeAt(0);
  return first === 45 || (first >= 48 && first <= 57);
}

/** Types an mParticle string attribute: integer, decimal, boolean, date, else the string itself. */
export function toTypedValue(value: string): string | number | boolean {
  // Most attribute values are words: one character test spares them three regexes (docs/performance.md, "Mapping").
  if (!startsLikeNumberOrDate(value)) {
    const lower = value.toLowerCase();
    return lower === "true" || lower === "false" ? lower === "true" : value;
  }
  if (INTEGER.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) && String(number) === value ? number : value;
  }
  if (DECIMAL.test(value)) {
    const number = Number(value);
    return String(number) === value ? number : value;
  }
  return toPushwooshDate(value) ?? value;
}

/** Pushwoosh tag and attribute names are non-empty: an attribute mParticle sent without a name is left out. */
export function toTypedValues(values: Record<string, string>): Record<string, string | number | boolean> {
  const typed: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(values)) if (key !== "") setOwn(typed, key, toTypedValue(values[key] as string));
  return typed;
}

/**
 * mParticle's reserved user attributes and their Pushwoosh tag types. A tag's type is fixed when Pushwoosh
 * creates it (docs.pushwoosh.com/platform-docs/api-reference/tags), so these never go by the value:
 * postal codes and phone numbers are strings ("02134" and "33431" alike), the age an integer. The keys are
 * mParticle's "reserved" user attribute keys (docs.mparticle.com/developers/sdk/web/users, "Reserved
 * Attributes"), as the Firehose samples' `user_attributes` carry them.
 */
const RESERVED_TAG_TYPES: Readonly<Record<string, TagType>> = {
  $Age: "integer",
  $Zip: "string",
  $Mobile: "string",
  $FirstName: "string",
  $LastName: "string",
  $Gender: "string",
  $City: "string",
  $State: "string",
  $Country: "string",
  $Address: "string",
};

/** The reserved keys in any case: the Firehose samples write `$Zip`, the Events API JSON reference `$zip`. */
const RESERVED_TAG_TYPES_BY_LOWER_CASE = new Map(Object.entries(RESERVED_TAG_TYPES).map(([key, type]) => [key.toLowerCase(), type]));

const PINNED_INTEGER = /^[-+]?\d+$/;
const PINNED_DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)$/;

/** A value converted to a tag's fixed type; undefined when it does not convert (never another type). */
export function convertToTagType(type: TagType, value: string | string[]): string | number | boolean | string[] | undefined {
  if (type === "list") return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return undefined;
  switch (type) {
    case "string":
      return value;
    case "integer": {
      const number = Number(value);
      return PINNED_INTEGER.test(value) && Number.isSafeInteger(number) ? number : undefined;
    }
    case "decimal":
      return PINNED_DECIMAL.test(value) && Number.isFinite(Number(value)) ? Number(value) : undefined;
    case "boolean": {
      const lower = value.toLowerCase();
      return lower === "true" || lower === "false" ? lower === "true" : undefined;
    }
    case "date":
      return toPushwooshDate(value);
  }
}

/** Counted (metric `tagSkipped`, dimension `reason`) and logged for every tag value left out. */
export const TAG_SKIPPED_REASON = "value does not convert to the tag's type";

/**
 * A tag's value: the type pinned by PUSHWOOSH_TAG_TYPES, else mParticle's reserved type, else detected from
 * the value (a list stays a list). Undefined, counted and logged, when it does not convert to a fixed type.
 */
export function tagValue(key: string, value: string | string[], settings: PushwooshMappingSettings): TagValue | undefined {
  // Own keys only: an attribute named "toString" or "constructor" must not find Object's.
  const reserved = key.startsWith("$") ? RESERVED_TAG_TYPES_BY_LOWER_CASE.get(key.toLowerCase()) : undefined;
  const type = (Object.hasOwn(settings.tagTypes, key) ? settings.tagTypes[key] : undefined) ?? reserved;
  if (type === undefined) return Array.isArray(value) ? value : toTypedValue(value);
  const converted = convertToTagType(type, value);
  if (converted === undefined) {
    logger.warn("tag value skipped", { tag: key, type, reason: TAG_SKIPPED_REASON });
    count("tagSkipped", TAG_SKIPPED_REASON);
  }
  return converted;
}

/** Sets the tag `key` to `value` typed per tag; an empty key or a value that does not convert sets nothing. */
export function setTag(tags: Tags, key: string, value: string | string[], settings: PushwooshMappingSettings): void {
  // Pushwoosh tag names are non-empty: an attribute mParticle sent without a name is left out.
  if (key === "") return;
  const typed = tagValue(key, value, settings);
  if (typed !== undefined) tags[key] = typed;
}
