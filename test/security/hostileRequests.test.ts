import { gzipSync } from "node:zlib";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHandler } from "../../infra/local/functions.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { SECRET_TEMPLATE } from "../../infra/secretTemplate.js";
import { DESTINATIONS } from "../../shared/queue/definition.js";
import { TEST_SECRETS, useSecrets } from "../support/secrets.js";
import { brazeEvent, eventId } from "../shared/sources/braze/factories.js";
import { configured, fixture } from "../shared/sources/mparticle/factories.js";
import { masterSample } from "../shared/sources/mparticle/webhookFactories.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../support/embeddedSqs.js";
import { httpApiEvent } from "../support/httpApiEvent.js";
import { defined } from "../support/defined.js";

/**
 * The hostile requests of issue 12, against the real handlers: each must get a 4xx (or 503 while
 * unconfigured), never a 500; authenticated JSON a door cannot map is parked and answered 2xx (issue 18).
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const MIB = 1024 * 1024;
const AUTH = {
  mparticle: { authorization: `Token ${TEST_SECRETS.inbound.mparticleToken}` },
  braze: { authorization: `Bearer ${TEST_SECRETS.inbound.brazeToken}` },
  webhook: { authorization: TEST_SECRETS.inbound.mparticleWebhookAuthorization ?? "" },
};

const handlers: Record<string, Handler> = {};
let queues: EmbeddedSqs;

async function post(functionName: string, path: string, body: string | Buffer, headers: Record<string, string>) {
  const handler = defined(handlers[functionName]);
  const response = await handler(httpApiEvent(path, body, { headers }), lambdaContext(functionName, 10, "us-east-1"));
  return { status: response.statusCode ?? 0, body: JSON.parse(String(response.body)) as { error: { message: string; field?: string } } };
}

async function enqueuedCount(): Promise<number> {
  let total = 0;
  for (const destination of DESTINATIONS) {
    for (const url of [queues.queueUrls[destination].queue, queues.queueUrls[destination].dlq]) {
      const result = await queues.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }));
      total += Number(result.Attributes?.ApproximateNumberOfMessages ?? 0);
    }
  }
  return total;
}

describe("hostile requests", () => {
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    queues = await startEmbeddedSqs();
    for (const name of ["mparticle-events", "mparticle-audiences", "mparticle-webhook", "braze-currents", "mparticle-registration"])
      handlers[name] = await loadHandler(name);
  });
  afterAll(async () => {
    await queues.stop();
  });

  describe("with the stack's template still in the secret", () => {
    beforeAll(async () => {
      cleanup = await useSecrets(SECRET_TEMPLATE);
    });
    afterAll(async () => cleanup());

    it.each([
      ["mparticle-events", "/mparticle/events", "Token REPLACE_ME_mparticle_token", "inbound.mparticleToken"],
      ["mparticle-audiences", "/mparticle/audiences", "Token REPLACE_ME_mparticle_token", "inbound.mparticleToken"],
      ["braze-currents", "/braze/currents", "Bearer REPLACE_ME_braze_token", "inbound.brazeToken"],
      ["mparticle-webhook", "/mparticle/webhook", "REPLACE_ME_mparticle_webhook_authorization", "inbound.mparticleWebhookAuthorization"],
    ])("%s refuses the public placeholder token with 503 naming %s", async (functionName, path, authorization, field) => {
      const body =
        functionName === "braze-currents"
          ? { events: [brazeEvent("users.canvas.Entry", { id: eventId(1) })] }
          : functionName === "mparticle-webhook"
            ? masterSample()
            : configured(fixture("EventProcessingRequest_ios.json"));

      const response = await post(functionName, path, JSON.stringify(body), { authorization });

      expect(response).toEqual({ status: 503, body: { error: { message: `relay secret not configured: ${field}` } } });
      expect(await enqueuedCount()).toBe(0);
    });
  });

  describe("with the Webhook's Authorization configured but the template's Pushwoosh placeholders", () => {
    beforeAll(async () => {
      cleanup = await useSecrets({ ...SECRET_TEMPLATE, inbound: TEST_SECRETS.inbound });
    });
    afterAll(async () => cleanup());

    it("mparticle-webhook answers 503 naming pushwoosh.applicationCode, and enqueues nothing", async () => {
      const response = await post("mparticle-webhook", "/mparticle/webhook", JSON.stringify(masterSample()), AUTH.webhook);

      expect(response).toEqual({ status: 503, body: { error: { message: "relay secret not configured: pushwoosh.applicationCode" } } });
      expect(await enqueuedCount()).toBe(0);
    });
  });

  describe("with a configured secret", () => {
    beforeAll(async () => {
      cleanup = await useSecrets({ ...TEST_SECRETS, inbound: { ...TEST_SECRETS.inbound, previousBrazeToken: "old-braze-token" } });
    });
    afterAll(async () => cleanup());

    it("answers 400 to JSON nested 10,000 levels deep on /braze/currents", async () => {
      const response = await post("braze-currents", "/braze/currents", `{"events":${"[".repeat(10_000)}${"]".repeat(10_000)}}`, AUTH.braze);

      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({ message: "body: JSON is nested deeper than 32 levels (at character 41)", field: "body" });
    });

    it.each([
      [
        "mparticle-events",
        "/mparticle/events",
        () => ({ ...configured(fixture("EventProcessingRequest_ios.json")), user_attributes: { huge: "x".repeat(5 * MIB) } }),
        AUTH.mparticle,
      ],
      [
        "mparticle-audiences",
        "/mparticle/audiences",
        () => {
          const request = configured(fixture("AudienceMembershipChangeRequest.json"));
          return { ...request, id: "x".repeat(5 * MIB) };
        },
        AUTH.mparticle,
      ],
      ["mparticle-webhook", "/mparticle/webhook", () => ({ ...(masterSample() as object), user_attributes: { huge: "x".repeat(5 * MIB) } }), AUTH.webhook],
    ])("%s answers 413 to a valid request with one 5 MB string value, and enqueues nothing", async (functionName, path, body, headers = AUTH.mparticle) => {
      const response = await post(functionName, path, JSON.stringify(body()), headers);

      expect(response.status).toBe(413);
      expect(response.body.error.field).toBe("body");
      expect(await enqueuedCount()).toBe(0);
    });

    it.each([11, 60])("answers 413 to a %i MB body on every route", async (megabytes) => {
      const body = JSON.stringify({ events: [], padding: "x".repeat(megabytes * 1_000_000) });
      for (const [functionName, path, headers] of [
        ["mparticle-registration", "/mparticle/registration", {}],
        ["mparticle-events", "/mparticle/events", AUTH.mparticle],
        ["mparticle-audiences", "/mparticle/audiences", AUTH.mparticle],
        ["mparticle-webhook", "/mparticle/webhook", AUTH.webhook],
        ["braze-currents", "/braze/currents", AUTH.braze],
      ] as const) {
        expect((await post(functionName, path, body, headers)).status, path).toBe(413);
      }
    });

    it("answers 413 to a single 2 MB Braze event, so Braze splits the batch and drops the event itself", async () => {
      const event = brazeEvent("users.behaviors.CustomEvent", { id: eventId(2), properties: { blob: "x".repeat(2 * MIB) } });

      const response = await post("braze-currents", "/braze/currents", JSON.stringify({ events: [event] }), AUTH.braze);

      expect(response.status).toBe(413);
      expect(await enqueuedCount()).toBe(0);
    });

    it("answers 413 to a gzip body that inflates to 512 MiB", async () => {
      const member = gzipSync(Buffer.alloc(32 * MIB), { level: 9 });

      const response = await post("braze-currents", "/braze/currents", Buffer.concat(Array.from({ length: 16 }, () => member)), {
        ...AUTH.braze,
        "content-encoding": "gzip",
      });

      expect(response).toEqual({
        status: 413,
        body: { error: { message: "body: the decompressed body is larger than the limit of 1048576 bytes", field: "body" } },
      });
    });

    it("answers 413 to more than 1000 events over the batches of one mParticle Webhook request", async () => {
      const batch = (count: number) => ({ events: Array.from({ length: count }, () => ({ event_type: "session_start", data: { session_id: 1 } })) });

      const response = await post("mparticle-webhook", "/mparticle/webhook", JSON.stringify([batch(600), batch(401)]), AUTH.webhook);

      expect(response).toEqual({ status: 413, body: { error: { message: "events: 1001 items, more than the limit of 1000 per request", field: "events" } } });
      expect(await enqueuedCount()).toBe(0);
    });

    it("answers 413 to more than 1000 Braze events in one batch", async () => {
      const events = Array.from({ length: 1001 }, (_, index) => ({ id: eventId(index) }));

      const response = await post("braze-currents", "/braze/currents", JSON.stringify({ events }), AUTH.braze);

      expect(response).toEqual({ status: 413, body: { error: { message: "events: 1001 items, more than the limit of 1000 per request", field: "events" } } });
    });

    it.each([
      ["a body that is not JSON", '{"events":[', {}, 400, "body"],
      ["a body that is not UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), {}, 400, "body"],
      ["a form body", "events=1", { "content-type": "application/x-www-form-urlencoded" }, 415, "content-type"],
      ["a brotli body", "{}", { "content-encoding": "br" }, 415, "content-encoding"],
    ] as const)("answers %s on /braze/currents with a 4xx (not the sender's data), and parks nothing", async (_, body, headers, status, field) => {
      const response = await post("braze-currents", "/braze/currents", body, { ...AUTH.braze, ...headers });

      expect(response.status).toBe(status);
      expect(response.body.error.field).toBe(field);
      expect(await enqueuedCount()).toBe(0);
    });

    it("parks hostile JSON that is no Currents batch on /braze/currents, answering 200, never 4xx or 5xx", async () => {
      const body = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"events":"\\u0000"}';

      const response = await post("braze-currents", "/braze/currents", body, AUTH.braze);

      expect(response.status).toBe(200);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await enqueuedCount()).toBe(2);
      for (const destination of ["mparticle", "mixpanel"] as const) {
        const [parked] = await drainVisible(queues.sqs, queues.queueUrls[destination].dlq);
        expect(JSON.parse(parked?.Body ?? "{}").events[0].event).toEqual(JSON.parse(body));
      }
    });

    it("accepts Braze's previous token during a rotation", async () => {
      const response = await post("braze-currents", "/braze/currents", JSON.stringify({ events: [] }), { authorization: "Bearer old-braze-token" });

      expect(response.status).toBe(200);
    });
  });
});
