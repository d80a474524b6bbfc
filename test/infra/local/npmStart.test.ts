import { spawn } from "node:child_process";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { DESTINATIONS, deadLetterQueueName, queueName } from "../../../shared/queue/definition.js";
import { waitFor } from "../../support/waitFor.js";

describe("npm start", () => {
  it("serves /health within 20 s, with the embedded SQS answering the AWS SDK, and stops cleanly on Ctrl-C", async () => {
    // Port 0: the child binds free ports itself and prints them (a port probed here could be taken before it binds).
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", LOCAL_SQS_PORT: "0" };
    for (const name of ["AWS_ENDPOINT_URL_SQS", "RELAY_SECRETS_FILE", "PUSHWOOSH_API_URL", "MPARTICLE_API_URL", "MIXPANEL_API_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"]) {
      delete env[name];
    }
    const child = spawn("npm", ["start"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    try {
      // The startup lines name the API and the embedded SQS; waitFor fails the test after 20 s.
      const apiUrl = await waitFor(() => /health: +GET +(http:\/\/127\.0\.0\.1:\d+)\/health/.exec(output)?.[1], 20_000, "the startup lines");
      const sqsEndpoint = /SQS endpoint: +(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      await waitFor(async () => {
        const response = await fetch(`${apiUrl}/health`).catch(() => undefined);
        return response?.status === 200;
      }, 20_000, "GET /health -> 200");

      const sqs = new SQSClient({ endpoint: sqsEndpoint, region: "us-east-1", credentials: { accessKeyId: "any", secretAccessKey: "any" } });
      const queues = await sqs.send(new ListQueuesCommand({}));
      const names = (queues.QueueUrls ?? []).map((url) => url.split("/").pop());
      for (const destination of DESTINATIONS) {
        expect(names).toContain(queueName(destination));
        expect(names).toContain(deadLetterQueueName(destination));
      }
      sqs.destroy();

      expect(output).toContain(`POST ${apiUrl}/braze/currents`);
      expect(output).toContain("Authorization: Token dev-mparticle-token");
      const notFound = await fetch(`${apiUrl}/nope`, { method: "POST" });
      expect(notFound.status).toBe(404);
    } finally {
      // npm forwards the signal to the node process, as a terminal's Ctrl-C does for the whole group.
      process.kill(-child.pid!, "SIGINT");
    }
    // The connector shuts down and exits 0; npm itself may report the Ctrl-C as its own exit signal.
    const { code, signal } = await exited;
    expect(output).toContain("stopped.");
    expect(code === 0 || signal === "SIGINT", `exit code ${code}, signal ${signal}`).toBe(true);
  });
});
