import { describe, expect, it } from "vitest";
import type { MparticleRoute } from "../../../../shared/sources/mparticle/accept.js";
import { acceptWebhookBatches } from "../../../../shared/sources/mparticle/webhook.js";
import { readWebhookBody } from "../../../../shared/sources/mparticle/webhookBatch.js";
import { masterSample, publishedEvent } from "./webhookFactories.js";

const SETTINGS = { applicationCode: "ABCDE-12345", apiToken: "device-api-token" };
const RECEIVED = 1_800_000_000_000;

describe("acceptWebhookBatches", () => {
  const context = (route: MparticleRoute) => ({ correlationId: "c-1", receivedAt: new Date(RECEIVED).toISOString(), routes: [route] });

  it("counts the events no flow took as no_user_id beside the skipped event types, and what is parked", () => {
    const body = readWebhookBody(
      [{ ...masterSample(), events: [...(masterSample().events as unknown[]), publishedEvent("custom_event")] }, 7],
      SETTINGS,
      RECEIVED,
    );
    // A route that takes only the device state and raw documents, as the flow does for a user it cannot name.
    const onlyDevice: MparticleRoute = (batch) => ({
      flow: "test",
      destination: "pushwoosh",
      events: batch.events.filter((event) => event.type === "device_state" || event.type === "raw_document"),
    });

    const accepted = acceptWebhookBatches(body, context(onlyDevice));

    expect(accepted.summary).toEqual({
      batches: 2,
      events: 5,
      parked: 1,
      skipped: { session_start: 1, application_state_transition: 1, crash_report: 1, session_end: 1, no_user_id: 1 },
    });
    expect(accepted.workItems.map((item) => item.events.map((event) => event.event))).toEqual([[expect.objectContaining({ type: "device_state" })]]);
    expect(accepted.rejected.map((rejected) => rejected.error.field)).toEqual(["1"]);
  });
});
