import { vi } from "vitest";
import { eventsApiEventSchema } from "../../shared/sources/mparticle/eventsApiBatch.js";
import { webhookReaders } from "../../shared/sources/mparticle/eventsApiReader.js";

/**
 * A parser bug that refuses every Webhook custom event (the fast reader leaves them to the schema, which
 * refuses them): what a redrive after the fix must repair. Returns the fix.
 */
export function injectCustomEventParserBug(): () => void {
  const original = eventsApiEventSchema.safeParse.bind(eventsApiEventSchema);
  const schema = vi.spyOn(eventsApiEventSchema, "safeParse").mockImplementation((value: unknown) => {
    const result = original(value);
    return result.success && result.data.event_type === "custom_event" ? original({ event_type: "custom_event", data: {} }) : result;
  });
  const read = webhookReaders.event;
  const reader = vi.spyOn(webhookReaders, "event").mockImplementation((raw) => {
    const event = read(raw);
    return event?.event_type === "custom_event" ? undefined : event;
  });
  return () => {
    schema.mockRestore();
    reader.mockRestore();
  };
}
