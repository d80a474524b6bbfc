import { vi } from "vitest";
import { eventsApiEventSchema } from "../../shared/sources/mparticle/eventsApiBatch.js";
import type { readEventsApiEvent } from "../../shared/sources/mparticle/eventsApiReader.js";

/**
 * A parser bug that refuses every Webhook custom event (the fast reader leaves them to the schema, which
 * refuses them): what a redrive after the fix must repair. `reader` is the test file's mock of
 * `readEventsApiEvent` (vi.mock of shared/sources/mparticle/eventsApiReader.js, wrapping the real one).
 * Returns the fix.
 */
export function injectCustomEventParserBug(reader: ReturnType<typeof vi.mocked<typeof readEventsApiEvent>>): () => void {
  const original = eventsApiEventSchema.safeParse.bind(eventsApiEventSchema);
  const schema = vi.spyOn(eventsApiEventSchema, "safeParse").mockImplementation((value: unknown) => {
    const result = original(value);
    return result.success && result.data.event_type === "custom_event" ? original({ event_type: "custom_event", data: {} }) : result;
  });
  const fastRead = reader.getMockImplementation();
  reader.mockImplementation((raw) => {
    const read = fastRead?.(raw);
    return read?.event_type === "custom_event" ? undefined : read;
  });
  return () => {
    schema.mockRestore();
    if (fastRead) reader.mockImplementation(fastRead);
  };
}
