import { randomUUID } from "node:crypto";

/**
 * JSON for the live view without rounding. mParticle sends 64-bit ids (`mpid`, `batch_id`, `event_id`,
 * `session_id`) as number literals, and JSON.parse turns -8433569830139454812 into -8433569830139454000: a
 * user the sender never named. Here an integer literal beyond Number.MAX_SAFE_INTEGER becomes a BigInt (the
 * redaction and the user id scan pass it through untouched), and the live view's JSON writes it back as the
 * same digits. Node 20 has no JSON.parse source access (`context.source`), hence the marker below.
 */

/** A JSON string token (skipped: digits inside strings are text) or a number token. */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const INTEGER = /^-?\d+$/;

function isInexactInteger(token: string): boolean {
  return INTEGER.test(token) && !Number.isSafeInteger(Number(token));
}

/** A prefix no string in `text` starts with, so a marked token cannot be mistaken for the sender's text. */
function markerFor(text: string): string {
  let marker = randomUUID();
  while (text.includes(marker)) marker = randomUUID();
  return marker;
}

/** JSON.parse, except that an integer literal a double cannot hold exactly becomes a BigInt of its digits. Throws on invalid JSON. */
export function parseExactJson(text: string): unknown {
  const literals: string[] = [];
  const marker = markerFor(text);
  const marked = text.replace(TOKEN, (token) => {
    if (!isInexactInteger(token)) return token;
    literals.push(token);
    return `"${marker}${literals.length - 1}"`;
  });
  if (literals.length === 0) return JSON.parse(text) as unknown;
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(marker) ? BigInt(literals[Number(value.slice(marker.length))] ?? "0") : value,
  ) as unknown;
}

/** JSON.stringify, writing each BigInt as its digits: the number literal the sender wrote. */
export function stringifyExactJson(value: unknown, indent?: number): string {
  let marker: string | undefined;
  const text = JSON.stringify(
    value,
    (_key, inner: unknown) => {
      if (typeof inner !== "bigint") return inner;
      marker ??= randomUUID();
      return `${marker}${inner}`;
    },
    indent,
  );
  return marker === undefined ? text : text.replaceAll(new RegExp(`"${marker}(-?\\d+)"`, "g"), "$1");
}
