/** Characters SQS refuses in a message body or attribute (AWS: SendMessage, "MessageBody"); fauxqs also refuses astral ones. */
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/g;

/**
 * JSON text SQS takes whatever the strings in it hold, with its UTF-8 size: every character outside SQS's
 * set (U+FFFE, U+FFFF, surrogates of astral characters) becomes its \u escape, which only occurs inside JSON
 * strings and parses back to the same value. Without it a partner's emoji or U+FFFF is a 5xx, retried forever.
 * The size comes from the one scan that finds whether the text is ASCII, so a caller never measures it again.
 */
export function sizedSqsJson(value: unknown): { json: string; bytes: number } {
  return sizedSqsText(JSON.stringify(value));
}

/** `sizedSqsJson` for JSON already in text (what a sender sent): the same escapes, which only strings can need. */
export function sizedSqsText(json: string): { json: string; bytes: number } {
  const bytes = Buffer.byteLength(json);
  // One byte per character is ASCII, all SQS text (JSON.stringify escapes the control characters): no scan needed.
  // Stryker disable next-line ConditionalExpression: without the fast path the replace finds nothing in ASCII text; same result
  if (bytes === json.length) return { json, bytes };
  // JSON.stringify already escapes control characters and lone surrogates: what is left is U+D800 and up, four hex digits.
  const escaped = json.replace(NOT_SQS_TEXT, (character) => `\\u${character.charCodeAt(0).toString(16)}`);
  return { json: escaped, bytes: Buffer.byteLength(escaped) };
}

/** `sizedSqsJson`'s text alone. */
export function sqsJson(value: unknown): string {
  return sizedSqsJson(value).json;
}
