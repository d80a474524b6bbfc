/** Scanning JSON text without parsing it (ingest's pass before JSON.parse, shared/http/jsonScan.ts). */

const BACKSLASH = 0x5c;

/**
 * The index of the quote that closes the JSON string opening at `start`: the next quote not escaped by an
 * odd run of backslashes, found natively by indexOf. -1 when the string is not closed (JSON.parse refuses it).
 */
export function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1 && escaped(text, end)) end = text.indexOf('"', end + 1);
  return end;
}

/** Whether the character at `index` follows an odd number of backslashes. */
function escaped(text: string, index: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(index - 1 - backslashes) === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
}
