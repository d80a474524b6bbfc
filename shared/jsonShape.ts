/**
 * Cheap checks of parsed JSON for the fast paths in front of hot schemas (`isBrazeEventAsIs`,
 * `isWorkItemAsIs`): each vouches only for values its schema would return equal to themselves, and leaves
 * the rest to the schema, which names what is wrong.
 */

/**
 * An object as JSON.parse makes it, without an own `__proto__` key (a schema's copy would set the copy's
 * prototype from it instead of keeping it as a key).
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype && !Object.hasOwn(value, "__proto__");
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** Whether the object has no keys but `allowed` (a stripping schema would drop the others from its copy). */
export function hasOnlyKeys(record: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in record) if (!allowed.has(key)) return false;
  return true;
}

/** A JSON object whose every value is a string (a `z.record(z.string(), z.string())`). */
export function isStringRecord(value: unknown): value is Record<string, string> {
  if (!isJsonObject(value)) return false;
  for (const key in value) if (typeof value[key] !== "string") return false;
  return true;
}

/** A list of strings. */
export function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** Absent, or present and passing `check` (a schema's optional field). */
export function isAbsentOr<Value>(value: unknown, check: (value: unknown) => value is Value): boolean {
  return value === undefined || check(value);
}

/**
 * A reader of the usual form of a document that skips its schema: the value the schema would return, or
 * undefined to leave the document to the schema. Ingest passes one; a worker re-reading a parked document
 * passes none (`schemaOnly`), which keeps the readers out of the workers' bundles.
 */
export type FastReader<Value> = (raw: unknown) => Value | undefined;

export const schemaOnly = (): undefined => undefined;
