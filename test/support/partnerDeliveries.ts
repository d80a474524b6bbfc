import type { RecordedCall } from "../../infra/local/sandboxes/sandbox.js";
import type { Destination } from "../../shared/queue/definition.js";

type Json = Record<string, unknown>;

/**
 * The ids a call carried and the partner accepted (from its own answer, whether or not the client got
 * it): deliveries counted from the raw calls, before any deduplication.
 */
export function acceptedIds(destination: Destination, call: RecordedCall): string[] {
  const answer = call.answer;
  if (!answer) return [];
  switch (destination) {
    case "pushwoosh": {
      const body = answer.body as Json | undefined;
      if (call.path !== "/json/1.3/postEvent" || answer.status !== 200 || body?.status_code !== 200) return [];
      return [String(((call.json as Json).request as Json & { attributes: Json }).attributes.seq)];
    }
    case "mparticle":
      if (answer.status !== 202) return [];
      return (call.json as Array<{ events: Array<{ data: { source_message_id: string } }> }>).flatMap((batch) =>
        batch.events.map((event) => event.data.source_message_id),
      );
    case "mixpanel": {
      // Strict mode: a 400 with failed_records still imported every other event of the request.
      const rejected = new Set(
        ((answer.body as { failed_records?: Array<{ insert_id: string }> } | undefined)?.failed_records ?? []).map((record) => record.insert_id),
      );
      if (answer.status !== 200 && rejected.size === 0) return [];
      return (call.json as Array<{ properties: { $insert_id: string } }>).map((event) => event.properties.$insert_id).filter((id) => !rejected.has(id));
    }
  }
}
