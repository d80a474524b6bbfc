/**
 * The JSON text an item of a request was parsed from (each Braze event, each Firehose event), kept by ingest
 * so the queue can carry the item as it came instead of serialising it again: that serialisation was most of
 * an ingest's time. Keyed by the parsed object itself, so only a value that is still the one JSON.parse made
 * finds its text; whatever a source copies or normalises is serialised as before. Nothing in the relay
 * changes a parsed object in place.
 */
const sourceTexts = new WeakMap<object, string>();

/** Remembers `texts[i]` as the source of `values[i]`, for the objects among them; nothing when the counts differ. */
export function keepSourceTexts(values: unknown, texts: readonly string[]): void {
  if (!Array.isArray(values) || values.length !== texts.length) return;
  values.forEach((value: unknown, index) => {
    const text = texts[index];
    if (typeof value === "object" && value !== null && text !== undefined) sourceTexts.set(value, text);
  });
}

export function sourceTextOf(value: unknown): string | undefined {
  return typeof value === "object" && value !== null ? sourceTexts.get(value) : undefined;
}
