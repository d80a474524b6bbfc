import type { Message } from "@aws-sdk/client-sqs";
import { mparticleToPushwoosh } from "../../shared/flows/mparticleToPushwoosh.js";
import type { PushwooshCall } from "../../shared/destinations/pushwoosh/schema.js";
import { workItemSchema } from "../../shared/queue/workItem.js";

/** The Pushwoosh calls the worker would make of enqueued messages, mapped by the flow as deployed. */
export function pushwooshCallsOf(messages: Message[]): PushwooshCall[] {
  return messages.flatMap((message) => {
    const item = workItemSchema.parse(JSON.parse(message.Body ?? "{}"));
    const { items, failed } = mparticleToPushwoosh.mapMessage(item.events, item.context);
    if (failed.size > 0) throw new Error(`events failed to map: ${[...failed.values()].map((error) => error.message).join("; ")}`);
    return items.map(({ item: payload }) => payload.call);
  });
}
