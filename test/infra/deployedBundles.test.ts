import type { Message } from "@aws-sdk/client-sqs";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deadLetterQueueName } from "../../shared/queue/definition.js";
import { brazeEvent, eventId, type RawBrazeEvent } from "../shared/sources/braze/factories.js";
import { configured, fixture } from "../shared/sources/mparticle/factories.js";
import { masterSample } from "../shared/sources/mparticle/webhookFactories.js";
import { startDeployedStack, type DeployedStack } from "../support/deployedStack.js";
import { drainVisible } from "../support/embeddedSqs.js";
import { synthesizeRelay, type SynthesizedRelay } from "../support/synthesizedStack.js";
import { waitFor } from "../support/waitFor.js";

/**
 * The stack as deployed: the synthesized bundles, each in its own process under exactly the environment
 * the template gives it, every SQS and Secrets Manager call held against the IAM policy of its role.
 */
describe("the synthesized stack's Lambda bundles, run as deployed", () => {
  let relay: SynthesizedRelay;
  let stack: DeployedStack;

  // Bundling eight functions and starting a process for each can take over a minute on a loaded machine.
  beforeAll(async () => {
    // A probe interval of a second: a held event comes back after a second, not a minute; retries from a second.
    relay = synthesizeRelay({ relayEnvironment: { PARTNER_PROBE_SECONDS: "1", RETRY_BASE_SECONDS: "1" } });
    stack = await startDeployedStack(relay);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    relay?.remove();
  });
  // A call the role would be denied in AWS fails the test that made it.
  afterEach(() => {
    expect(stack.deniedCalls(), "SQS / Secrets Manager / Lambda API calls that IAM would deny in AWS").toEqual([]);
  });

  /** Posts as the partner would; `answer` says what came back and, on a 5xx, what the function logged. */
  const post = async (path: string, body: unknown, authorization?: string) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    const functionName = stack.functionOfRoute(path) ?? path;
    const errors = stack
      .output(functionName)
      .split("\n")
      .filter((line) => line.includes('"level":"ERROR"'))
      .slice(-1);
    return {
      status: response.status,
      body: answer,
      answer: `${path} answered ${JSON.stringify(answer)}${response.status >= 500 ? `; ${functionName} logged ${errors.join("")}` : ""}`,
    };
  };
  const postCurrents = (events: RawBrazeEvent[]) => post("/braze/currents", { events }, `Bearer ${stack.secrets.inbound.brazeToken}`);
  const parkedIn = async (dlqName: string, count: number): Promise<Message[]> => {
    const parked: Message[] = [];
    await waitFor(
      async () => {
        parked.push(...(await drainVisible(stack.sqs, stack.queueUrl(dlqName))));
        return parked.length >= count;
      },
      30_000,
      `${count} message(s) parked in ${dlqName}`,
    );
    return parked;
  };
  const failureOf = (message: Message | undefined) => JSON.parse(message?.MessageAttributes?.failure?.StringValue ?? "{}") as Record<string, unknown>;

  it("runs every function of the template, each with its own bundle", () => {
    expect(stack.functions.map((fn) => fn.name).sort()).toEqual([
      "braze-currents",
      "mixpanel-worker",
      "mparticle-audiences",
      "mparticle-events",
      "mparticle-registration",
      "mparticle-webhook",
      "mparticle-worker",
      "pushwoosh-worker",
    ]);
    expect(new Set(stack.functions.map((fn) => fn.assetDir)).size).toBe(stack.functions.length);
  });

  it("keeps every bundle within 300 KB (issue 20; bench/README.md reports the sizes)", () => {
    const sizes = Object.fromEntries(stack.functions.map((fn) => [fn.name, statSync(path.join(fn.assetDir, "index.mjs")).size]));
    for (const [name, bytes] of Object.entries(sizes)) expect(bytes, name).toBeLessThanOrEqual(300 * 1024);
  });

  it("bundles no CommonJS require: the ESM bundles have no `require` to call (a dependency that needs one would fail at run time)", () => {
    // esbuild's shim for a require left in an ESM bundle throws this without one.
    for (const fn of stack.functions) expect(readFileSync(path.join(fn.assetDir, "index.mjs"), "utf8"), fn.name).not.toContain("Dynamic require of");
  });

  it("gives each worker's role what its SQS event source mapping needs", () => {
    expect(stack.eventSourceMappingGaps()).toEqual([]);
  });

  it("answers mParticle's registration, and delivers a Firehose events batch to Pushwoosh through the worker", async () => {
    const registration = await post("/mparticle/registration", fixture("ModuleRegistrationRequest.json"));
    expect(registration.status, registration.answer).toBe(200);

    const batch = configured(fixture("EventProcessingRequest_ios.json"));
    const answered = await post("/mparticle/events", batch, `Token ${stack.secrets.inbound.mparticleToken}`);
    expect(answered.status, answered.answer).toBe(200);
    expect(answered.body).toMatchObject({ type: "event_processing_response", id: batch.id });

    await waitFor(() => stack.sandboxes.pushwoosh.calls.length > 0, 30_000, "the Pushwoosh calls");
    await stack.drained();
    expect(stack.sandboxes.pushwoosh.calls.every((call) => call.status === 200)).toBe(true);
    expect(await drainVisible(stack.sqs, stack.queueUrl(deadLetterQueueName("pushwoosh")))).toEqual([]);
  });

  it("delivers an mParticle Webhook batch to Pushwoosh with the secret document's application, and refuses a wrong Authorization", async () => {
    const authorization = stack.secrets.inbound.mparticleWebhookAuthorization ?? "";
    const refused = await post("/mparticle/webhook", masterSample(), `${authorization}-wrong`);
    expect(refused.status, refused.answer).toBe(401);
    const before = stack.sandboxes.pushwoosh.calls.length;

    const answered = await post("/mparticle/webhook", masterSample(), authorization);

    expect(answered.status, answered.answer).toBe(200);
    expect(answered.body).toMatchObject({ batches: 1, events: 4, workItems: 1, parked: 0 });
    await waitFor(() => stack.sandboxes.pushwoosh.calls.length - before >= 2, 30_000, "the Pushwoosh calls of the webhook batch");
    await stack.drained();
    const calls = stack.sandboxes.pushwoosh.calls.slice(before);
    expect(calls.map((call) => call.path.replace("/json/1.3/", "")).sort()).toEqual(["registerDevice", "setTags"]);
    expect(
      calls.every(
        (call) => call.status === 200 && (call.json as { request: { application: string } }).request.application === stack.secrets.pushwoosh?.applicationCode,
      ),
    ).toBe(true);
    expect(await drainVisible(stack.sqs, stack.queueUrl(deadLetterQueueName("pushwoosh")))).toEqual([]);
  });

  it("answers 200 to a Braze batch with one malformed event: delivers the good ones, parks the bad one with its reason", async () => {
    const good = [
      brazeEvent("users.canvas.Entry", { id: eventId(700), externalUserId: "user-deployed" }),
      brazeEvent("users.behaviors.CustomEvent", { id: eventId(701), externalUserId: "user-deployed" }),
    ];
    const malformed = { ...brazeEvent("users.behaviors.CustomEvent", { id: eventId(702), externalUserId: "user-deployed" }), time: "soon" };

    const answered = await postCurrents([good[0], malformed, good[1]] as RawBrazeEvent[]);

    expect(answered.status, answered.answer).toBe(200);
    expect(answered.body).toMatchObject({ events: 3, rejected: 1 });
    const parked = await parkedIn(deadLetterQueueName("mixpanel"), 1);
    expect(parked).toHaveLength(1);
    // zod's English message, from the bundle: zod/mini alone would say only "Invalid input" (shared/zod.ts).
    expect(failureOf(parked[0])).toMatchObject({
      destination: "mixpanel",
      reason: "validation",
      message: "events.1.time: Invalid input: expected number, received string",
    });
    const { mixpanel, mparticle } = stack.sandboxes;
    await waitFor(
      () => [eventId(700), eventId(701)].every((id) => mixpanel.imported.some((event) => event.properties.$insert_id === id)),
      30_000,
      "the good events in Mixpanel",
    );
    await waitFor(() => mparticle.accepted.some((accepted) => JSON.stringify(accepted.batch).includes(eventId(700))), 30_000, "the canvas entry in mParticle");
    await stack.drained();
    expect(mixpanel.imported.some((event) => event.properties.$insert_id === eventId(702))).toBe(false);
  });

  it("parks an event the partner rejects for good in its DLQ, with the partner's reason", async () => {
    const rejectedId = eventId(710);
    // Mixpanel's strict mode refuses event names over 255 characters (a Braze id Mixpanel refuses is hashed instead).
    const tooLong = brazeEvent("users.behaviors.CustomEvent", { id: rejectedId, externalUserId: "user-deployed", properties: { name: "x".repeat(300) } });
    const answered = await postCurrents([tooLong]);
    expect(answered.status, answered.answer).toBe(200);

    const parked = await parkedIn(deadLetterQueueName("mixpanel"), 1);
    expect(failureOf(parked[0])).toMatchObject({
      destination: "mixpanel",
      reason: "permanent",
      errorClass: "permanent",
      partnerMessage: "'event' must be at most 255 characters",
    });
    expect(JSON.parse(parked[0]?.Body ?? "{}")).toMatchObject({ flow: "braze-to-mixpanel", events: [{ id: rejectedId }] });
    await stack.drained();
  });

  it("pauses the worker's own event source mapping while its partner is down, and resumes it from the scheduled probe", async () => {
    const { pushwoosh } = stack.sandboxes;
    const mapping = stack.mappings.get("pushwoosh-worker");
    expect(mapping?.settings.maxConcurrency).toBeGreaterThanOrEqual(2);
    pushwoosh.setFaultRate(1, [{ kind: "status", status: 503 }]);
    const before = pushwoosh.calls.length;

    // Batches one after another: each invocation's failed round of calls is one more sign the partner is down.
    for (let round = 0; mapping?.currentState !== "Disabled" && round < 10; round++) {
      const calls = pushwoosh.calls.length;
      const answered = await post("/mparticle/webhook", masterSample(), stack.secrets.inbound.mparticleWebhookAuthorization ?? "");
      expect(answered.status, answered.answer).toBe(200);
      await waitFor(() => pushwoosh.calls.length > calls || mapping?.currentState === "Disabled", 30_000, "the worker's calls of the batch");
    }
    await waitFor(() => mapping?.currentState === "Disabled", 30_000, "the pushwoosh worker to disable its mapping");

    pushwoosh.clearFaults();
    // Each probe takes one held event; once the partner answers, consumption resumes.
    await waitFor(
      async () => {
        await stack.probe("pushwoosh-worker");
        return mapping?.currentState === "Enabled";
      },
      30_000,
      "a probe to resume the mapping",
    );
    await stack.drained();
    const calls = pushwoosh.calls.slice(before);
    const delivered = calls.filter((call) => call.status === 200).map((call) => call.path.replace("/json/1.3/", ""));
    expect(new Set(delivered)).toEqual(new Set(["registerDevice", "setTags"]));
    expect(await drainVisible(stack.sqs, stack.queueUrl(deadLetterQueueName("pushwoosh")))).toEqual([]);
    const lambdaCalls = stack.calls().filter((call) => call.caller === "pushwoosh-worker" && call.action.includes("EventSourceMapping"));
    expect(lambdaCalls.filter((call) => call.action === "UpdateEventSourceMapping").map((call) => call.input.Enabled)).toEqual([false, true]);
  });

  it("recorded the calls the IAM check holds against the roles", () => {
    const actions = new Set(stack.calls().map((call) => `${call.caller}: ${call.action}`));
    for (const expected of [
      "braze-currents: SendMessageBatch",
      "braze-currents: SendMessage",
      "braze-currents: GetSecretValue",
      "mparticle-events: SendMessageBatch",
      "mparticle-webhook: SendMessageBatch",
      "mparticle-webhook: GetSecretValue",
      "mixpanel-worker: SendMessage",
      "mixpanel-worker event source mapping: ReceiveMessage",
      "mixpanel-worker event source mapping: DeleteMessageBatch",
      "pushwoosh-worker: ListEventSourceMappings",
      "pushwoosh-worker: GetEventSourceMapping",
      "pushwoosh-worker: UpdateEventSourceMapping",
    ]) {
      expect(actions, expected).toContain(expected);
    }
    expect([...actions].filter((action) => action.startsWith("mparticle-registration:"))).toEqual([]);
  });
});
