/** The value, or a failed test saying it was missing: a test's `!` that would otherwise fail later, far from the cause. */
export function defined<T>(value: T | null | undefined, what = "a value"): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}
