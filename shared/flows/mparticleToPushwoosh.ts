import type { PushwooshPayload } from "../destinations/pushwoosh/schema.js";
import { mparticleEventSchema } from "../sources/mparticle/model.js";
import { isMparticleEventAsIs } from "../sources/mparticle/modelAsIs.js";
import { defineFlow, type MappedItem } from "./flow.js";
import { pushwooshCalls } from "./mparticleToPushwoosh/calls.js";
import { FLOW, contextSchema, isContextAsIs } from "./mparticleToPushwoosh/context.js";
import { pushwooshMappingSettings } from "./mparticleToPushwoosh/settings.js";

/**
 * mParticle (Firehose events and audiences) → Pushwoosh: tags, events, devices and audience segments. Its
 * parts live in mparticleToPushwoosh/: `route.ts` (ingest: which events go, the sealed credentials),
 * `calls.ts` (worker: events → Pushwoosh calls), `tags.ts` (tag typing), `users.ts` (user ids, hwids,
 * device types), `settings.ts` (the PUSHWOOSH_* mapping settings) and `registration.ts` (the mParticle
 * module this flow registers as).
 */
export const mparticleToPushwoosh = defineFlow({
  name: FLOW,
  destination: "pushwoosh",
  eventSchema: mparticleEventSchema,
  eventAsIs: isMparticleEventAsIs,
  contextSchema,
  contextAsIs: isContextAsIs,
  map: (events, context): MappedItem<PushwooshPayload>[] =>
    pushwooshCalls(events, context, pushwooshMappingSettings()).map(({ eventIds, item, eventTimeMs }) => ({
      eventIds,
      item: { credentials: context.credentials, call: item, ...(eventTimeMs === undefined ? {} : { eventTimeMs }) },
    })),
});
