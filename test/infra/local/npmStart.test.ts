import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { SECRET_TEMPLATE } from "../../../infra/secretTemplate.js";
import { DESTINATIONS, deadLetterQueueName, queueName } from "../../../shared/queue/definition.js";
import { npmStart } from "../../support/npmStart.js";

describe("npm start", () => {
  it("serves /health within 20 s, with the embedded SQS answering the AWS SDK, and stops cleanly on Ctrl-C", async () => {
    // npmStart fails the test unless GET /health answers within 20 s.
    const relay = await npmStart();
    let exit: Awaited<ReturnType<typeof relay.stop>> | undefined;
    try {

      const sqs = new SQSClient({ endpoint: `http://127.0.0.1:${relay.sqsPort}`, region: "us-east-1", credentials: { accessKeyId: "any", secretAccessKey: "any" } });
      const queues = await sqs.send(new ListQueuesCommand({}));
      const names = (queues.QueueUrls ?? []).map((url) => url.split("/").pop());
      for (const destination of DESTINATIONS) {
        expect(names).toContain(queueName(destination));
        expect(names).toContain(deadLetterQueueName(destination));
      }
      sqs.destroy();

      expect(relay.output()).toContain(`POST http://127.0.0.1:${relay.port}/braze/currents`);
      expect(relay.output()).toContain("Authorization: Token dev-mparticle-token");
      expect(relay.output()).toContain(`POST http://127.0.0.1:${relay.port}/mparticle/webhook`);
      expect(relay.output()).toContain("mParticle Webhook: Authorization: Bearer dev-mparticle-webhook-token");
      expect(relay.output()).not.toContain("WARNING");
      const notFound = await fetch(`http://127.0.0.1:${relay.port}/nope`, { method: "POST" });
      expect(notFound.status).toBe(404);
    } finally {
      exit = await relay.stop();
    }
    // The connector shuts down and exits 0; npm itself may report the Ctrl-C as its own exit signal.
    expect(relay.output()).toContain("stopped.");
    expect(exit.code === 0 || exit.signal === "SIGINT", `exit code ${exit.code}, signal ${exit.signal}`).toBe(true);
  });

  it("says at startup which inbound credentials are unconfigured, and those routes answer 503", async () => {
    const folder = await mkdtemp(join(tmpdir(), "cdp-relay-template-"));
    const file = join(folder, "secrets.json");
    // The stack's template as deployed: placeholders everywhere, the Braze token removed altogether.
    const { brazeToken: _removed, ...inbound } = SECRET_TEMPLATE.inbound;
    await writeFile(file, JSON.stringify({ ...SECRET_TEMPLATE, inbound }));
    const relay = await npmStart({ RELAY_SECRETS_FILE: file });
    try {
      const warnings = relay.output().split("\n").filter((line) => line.includes("WARNING: relay secret not configured"));
      expect(warnings.map((line) => line.match(/configured: (\S+)/)?.[1])).toEqual([
        "inbound.mparticleToken",
        "inbound.brazeToken",
        "inbound.mparticleWebhookAuthorization",
        "pushwoosh.applicationCode",
        "pushwoosh.apiToken",
      ]);
      expect(relay.output()).not.toContain("REPLACE_ME_mparticle_token");

      const response = await fetch(`http://127.0.0.1:${relay.port}/mparticle/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Token ${SECRET_TEMPLATE.inbound.mparticleToken}` },
        body: "{}",
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: { message: "relay secret not configured: inbound.mparticleToken" } });
    } finally {
      await relay.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
