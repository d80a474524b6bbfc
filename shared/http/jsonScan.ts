import { ValidationError } from "../errors.js";
import { stringEnd } from "../jsonText.js";

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * One linear pass over a request's JSON text before it is parsed. It refuses nesting deeper than
 * `maxDepth`, so a hostile document never reaches JSON.parse's (or a validator's) recursion, and it returns
 * the text of each item of the root object's `field` array, so an item can be queued as it came instead of
 * serialised again. Brackets and commas inside strings do not count.
 *
 * The texts are only a finding, to be matched with what JSON.parse makes of the same text: they are
 * undefined when the root holds no such array or a root key is escaped (it might spell `field`); with
 * a duplicated key they are the last value's, as JSON.parse keeps the last.
 */
export function scanJson(text: string, maxDepth: number, field?: string): string[] | undefined {
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
      if (end === -1) return undefined; // unterminated: JSON.parse rejects it
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
    }
  }
  return found && keysPlain ? items : undefined;
}
