import { ValidationError } from "../errors.js";
import { stringEnd } from "../jsonText.js";

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** What one pass over a JSON text found (scanJson). */
export interface JsonScan {
  /** The text of each item of the root object's `field` array, as written; undefined when there is no such list to trust. */
  items: string[] | undefined;
  /** Where each integer too large for a double starts and ends, outside strings: `[start, end, start, end, ...]`. */
  longIntegers: number[];
}

/** An integer of 16 digits or more: one that may not fit a double exactly. */
const LONG_INTEGER = /^-?\d{16,}$/;

/** A character a JSON number can hold after its first: digits, `.`, `e`, `E`, `+`, `-`. */
function inNumber(code: number): boolean {
  return (code >= ZERO && code <= NINE) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === MINUS;
}

/**
 * One linear pass over a request's JSON text before it is parsed. It refuses nesting deeper than
 * `maxDepth`, so a hostile document never reaches JSON.parse's (or a validator's) recursion; it finds the
 * text of each item of the root object's `field` array, so an item can be queued as it came instead of
 * serialised again; and it finds the integers JSON.parse would round (withLongIntegersAsDigits). Brackets,
 * commas and digits inside strings do not count.
 *
 * The texts are only a finding, to be matched with what JSON.parse makes of the same text: they are
 * undefined when the root holds no such array or a root key is escaped (it might spell `field`); with
 * a duplicated key they are the last value's, as JSON.parse keeps the last.
 */
export function scanJson(text: string, maxDepth: number, field?: string): JsonScan {
  const longIntegers: number[] = [];
  let depth = 0;
  let items: string[] = [];
  let found = false;
  let itemStart = 0;
  let rootObject = false;
  /** Inside `field`'s array, at its own level. */
  let inItems = false;
  /** At the root object's level, before a key. */
  let beforeKey = false;
  /** The last root key read was `field`. */
  let atField = false;
  let keysPlain = true;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      const end = stringEnd(text, index);
      if (end === -1) return { items: undefined, longIntegers }; // unterminated: JSON.parse rejects it
      if (beforeKey && depth === 1) {
        const key = text.slice(index + 1, end);
        keysPlain &&= !key.includes("\\");
        atField = key === field;
        // A later value of the field replaces an earlier one, list or not.
        if (atField) found = false;
        beforeKey = false;
      }
      index = end;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > maxDepth) {
        throw new ValidationError(`body: JSON is nested deeper than ${maxDepth} levels (at character ${index})`);
      }
      if (depth === 1) beforeKey = rootObject = code === OPEN_OBJECT;
      else if (depth === 2 && atField && code === OPEN_ARRAY) {
        items = [];
        found = inItems = true;
        itemStart = index + 1;
      }
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      if (inItems && depth === 2) {
        const item = text.slice(itemStart, index).trim();
        if (item !== "") items.push(item);
        inItems = false;
      }
      depth--;
    } else if (code === COMMA) {
      if (depth === 1) beforeKey = rootObject;
      else if (inItems && depth === 2) {
        items.push(text.slice(itemStart, index).trim());
        itemStart = index + 1;
      }
    } else if (code === MINUS || (code >= ZERO && code <= NINE)) {
      let end = index + 1;
      while (end < text.length && inNumber(text.charCodeAt(end))) end++;
      // Fewer than 16 characters hold no integer beyond 2^53.
      if (end - index >= 16) {
        const token = text.slice(index, end);
        if (LONG_INTEGER.test(token) && !Number.isSafeInteger(Number(token))) longIntegers.push(index, end);
      }
      index = end - 1;
    }
  }
  return { items: found && keysPlain ? items : undefined, longIntegers };
}

/**
 * The text with each of `longIntegers` (as scanJson finds them) made a string of its digits, for JSON.parse
 * to keep every digit of a 64-bit id that a double would round.
 */
export function withLongIntegersAsDigits(text: string, longIntegers: readonly number[]): string {
  if (longIntegers.length === 0) return text;
  let out = "";
  let copiedUpTo = 0;
  for (let index = 0; index < longIntegers.length; index += 2) {
    const start = longIntegers[index] as number;
    const end = longIntegers[index + 1] as number;
    out += `${text.slice(copiedUpTo, start)}"${text.slice(start, end)}"`;
    copiedUpTo = end;
  }
  return out + text.slice(copiedUpTo);
}
