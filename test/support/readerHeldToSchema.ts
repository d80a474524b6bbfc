import fc from "fast-check";
import { expect } from "vitest";

/** Through JSON, as ingest reads a body. */
export function viaJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? "null") as unknown;
}

type Schema = { safeParse(value: unknown): { success: boolean; data?: unknown } };

/** A reader may say no to anything; when it reads a value, the schema (for that value) must accept it and return the same, field for field. */
export function readsAs(read: (value: unknown) => unknown, schemaOf: (value: unknown) => Schema) {
  return (value: unknown): boolean => {
    const result = read(value);
    if (result === undefined) return false;
    const parsed = schemaOf(value).safeParse(value);
    expect(parsed.success).toBe(true);
    expect(result).toStrictEqual(parsed.data);
    return true;
  };
}

/** The property: over 2,000 generated values (through JSON), the reader reads only as the schema does, and reads a share of them. */
export function assertReadsOnlyAsSchema(arbitrary: fc.Arbitrary<unknown>, read: (value: unknown) => unknown, schemaOf: (value: unknown) => Schema): void {
  let readCount = 0;
  fc.assert(
    fc.property(arbitrary, (generated) => {
      if (readsAs(read, schemaOf)(viaJson(generated))) readCount++;
    }),
    { numRuns: 2000 },
  );
  // The property said something: a share of the values were read.
  expect(readCount).toBeGreaterThan(20);
}
