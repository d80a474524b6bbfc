import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { SECRET_TEMPLATE } from "../../../infra/secretTemplate.js";
import { DESTINATIONS, deadLetterQueueName, queueName } from "../../../shared/queue/definition.js";
import { startLocalStack } from "../../../infra/local/localStack.js";
import { PortInUseError } from "../../../infra/local/portInUse.js";
import { npmStart, spawnNpmStart } from "../../support/npmStart.js";
import { waitFor } from "../../support/waitFor.js";

describe("npm start", () => {
  it("serves /health within 20 s, with the embedded SQS answering the AWS SDK, and stops cleanly on Ctrl-C", async () => {
    // npmStart fails the test unless GET /health answers within 20 s.
    const relay = await npmStart();
    let exit: Awaited<ReturnType<typeof relay.stop>> | undefined;
    try {
      const sqs = new SQSClient({
        endpoint: `http://127.0.0.1:${relay.sqsPort}`,
        region: "us-east-1",
        credentials: { accessKeyId: "any", secretAccessKey: "any" },
      });
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
      const warnings = relay
        .output()
        .split("\n")
        .filter((line) => line.includes("WARNING: relay secret not configured"));
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

  it("stops every process it started when SIGTERM goes to the npm process alone: nothing is left answering", async () => {
    const relay = await npmStart();
    try {
      // As `kill -TERM <npm pid>` or a process manager does: the signal reaches npm only, not its group.
      process.kill(relay.pid, "SIGTERM");
      await relay.exited;
      await waitFor(async () => !(await answers(`http://127.0.0.1:${relay.port}/health`)), 10_000, "the API port to stop answering");
      expect(await answers(`http://127.0.0.1:${relay.sqsPort}/`)).toBe(false);
      expect(relay.output()).toContain("SIGTERM: stopping cdp-relay...");
      expect(relay.output()).toContain("stopped.");
    } finally {
      relay.kill();
    }
  });

  it("names PORT in one line, without a stack trace, when the HTTP port is taken", async () => {
    const busy = await occupiedPort();
    const relay = spawnNpmStart({ PORT: String(busy.port) });
    try {
      const { code } = await relay.exited;
      expect(code).not.toBe(0);
      const lines = relay
        .output()
        .split("\n")
        .filter((line) => line.includes("already in use"));
      expect(lines).toEqual([`cdp-relay: port ${busy.port} is already in use; set PORT to a free port (PORT=0 picks one)`]);
      expect(relay.output()).not.toMatch(/^\s+at /m);
    } finally {
      relay.kill();
      busy.server.close();
    }
  });

  it("names LOCAL_SQS_PORT when the embedded SQS port is taken, and leaves nothing running", async () => {
    const busy = await occupiedPort();
    try {
      const started = startLocalStack({ port: 0, sqsPort: busy.port, quiet: true });
      await expect(started).rejects.toThrow(PortInUseError);
      await expect(started).rejects.toThrow(`port ${busy.port} is already in use; set LOCAL_SQS_PORT to a free port`);
    } finally {
      busy.server.close();
    }
  });
});

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.address() as { port: number }).port, server };
}

async function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );
}
