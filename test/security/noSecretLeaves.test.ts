import { format } from "node:util";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main.js";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import { createPushwooshSandbox, type PushwooshSandbox } from "../../infra/local/sandboxes/pushwoosh.js";
import type { RelaySecrets } from "../../shared/config/secrets.js";
import { DESTINATIONS } from "../../shared/queue/definition.js";
import { FAST_SETTINGS } from "../cli/harness.js";
import { brazeEvent, eventId, type RawBrazeEvent } from "../shared/sources/braze/factories.js";
import { configured, fixture } from "../shared/sources/mparticle/factories.js";
import { secretsFile } from "../support/secretsFile.js";
import { waitFor } from "../support/waitFor.js";
import { defined } from "../support/defined.js";
import { holdLogLevel } from "../support/logLevel.js";

/**
 * No secret leaves the relay: every flow runs through the local stack (success, partner 4xx and 5xx,
 * credential failures, parking, redrive) with every log line (stdout, stderr, console, the stack's own
 * lines), every HTTP answer and all DLQ CLI output captured, and none of it may hold a secret value or
 * its Basic encoding. The values are distinctive so that a match can only be a leak.
 */
const SECRETS: RelaySecrets = {
  inbound: {
    mparticleToken: "inbound-mp-current-7f3a91",
    previousMparticleToken: "inbound-mp-previous-2c8d44",
    brazeToken: "inbound-braze-current-5e1b07",
    previousBrazeToken: "inbound-braze-previous-9a6f32",
    mparticleWebhookAuthorization: "Bearer inbound-webhook-current-4d2e88",
    previousMparticleWebhookAuthorization: "Bearer inbound-webhook-previous-1b7c55",
  },
  mparticle: {
    environment: "development",
    feeds: {
      ios: { key: "feed-ios-key-3c9e1f", secret: "feed-ios-secret-8b2a7d" },
      android: { key: "feed-android-key-64d0b2", secret: "feed-android-secret-f19e3c" },
      web: { key: "feed-web-key-0a7c5e", secret: "feed-web-secret-5d3b91" },
      unbound: { key: "feed-unbound-key-b82f46", secret: "feed-unbound-secret-27e6a0" },
    },
  },
  mixpanel: { serviceAccount: { username: "mixpanel-sa-user-6e4f12", secret: "mixpanel-sa-secret-0d9b83", projectId: "3141592" } },
};
/** The customer's Pushwoosh application, as mParticle's account settings carry it. */
const PUSHWOOSH = { applicationCode: "PWAPP-51F2C", apiToken: "pushwoosh-device-token-a41c6e", serverApiToken: "pushwoosh-server-token-c72d19" };
/** A device token Pushwoosh no longer takes (401): it must not leak either. */
const REVOKED_PUSHWOOSH_TOKEN = "pushwoosh-revoked-token-e03b5a";

const base64 = (text: string) => Buffer.from(text).toString("base64");

/**
 * Every secret value and the encodings it travels in. A raw value also finds its "Bearer x" and
 * "Token x" header forms; Basic credentials are base64 of "key:secret" (a project token is "token:").
 */
function secretNeedles(): Map<string, string> {
  const needles = new Map<string, string>();
  const add = (name: string, value: string) => needles.set(value, name);
  const { inbound, mparticle, mixpanel } = SECRETS;
  for (const [name, value] of Object.entries(inbound)) {
    if (!value) continue;
    add(`inbound.${name}`, value);
    // The webhook values are whole headers: their credential part alone must not leak either.
    const credential = value.replace(/^Bearer /, "");
    if (credential !== value) add(`inbound.${name} (credential)`, credential);
  }
  for (const [feed, { key, secret }] of Object.entries(mparticle.feeds)) {
    add(`mparticle.feeds.${feed}.key`, key);
    add(`mparticle.feeds.${feed}.secret`, secret);
    add(`mparticle.feeds.${feed} (Basic)`, base64(`${key}:${secret}`));
  }
  if ("serviceAccount" in mixpanel) {
    const { username, secret } = mixpanel.serviceAccount;
    add("mixpanel.serviceAccount.username", username);
    add("mixpanel.serviceAccount.secret", secret);
    add("mixpanel.serviceAccount (Basic)", base64(`${username}:${secret}`));
  }
  add("pushwoosh apiToken (account settings)", PUSHWOOSH.apiToken);
  add("pushwoosh serverApiToken (account settings)", PUSHWOOSH.serverApiToken);
  add("revoked pushwoosh apiToken (account settings)", REVOKED_PUSHWOOSH_TOKEN);
  for (const [value, name] of [...needles]) if (!name.includes("Basic")) add(`${name} (base64)`, base64(value));
  return needles;
}
const NEEDLES = secretNeedles();

/** Everything that left the relay, by where it was seen. */
const seen: Array<{ where: string; text: string }> = [];
const record = (where: string, text: string) => seen.push({ where, text });

/** The secrets found in what was seen so far, as "secret name in where: …context…". */
function leaks(): string[] {
  const found: string[] = [];
  for (const { where, text } of seen) {
    for (const [value, name] of NEEDLES) {
      const at = text.indexOf(value);
      if (at >= 0) found.push(`${name} in ${where}: …${text.slice(Math.max(0, at - 80), at + value.length + 20)}…`);
    }
  }
  return found;
}

/** Captures stdout, stderr and console for the whole file (Powertools writes to process.stdout). */
function captureOutput(): () => void {
  const restore: Array<() => void> = [];
  for (const [name, stream] of [
    ["stdout", process.stdout],
    ["stderr", process.stderr],
  ] as const) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown) => {
      record(name, Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk));
      return true;
    }) as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => record(`console.${method}`, format(...args)));
    restore.push(() => spy.mockRestore());
  }
  return () => restore.forEach((undo) => undo());
}

/** The custom event names of the Firehose sample the flows are run with. */
function sampleEventNames(): string[] {
  return (fixture("EventProcessingRequest_ios.json").events as Array<{ name?: string }>).flatMap((event) => (event.name ? [event.name] : []));
}

describe("no secret leaves: logs, errors, HTTP answers and DLQ tooling of every flow", () => {
  let stack: LocalStack;
  let pushwoosh: PushwooshSandbox;
  let stopCapture: () => void;
  let restoreLogLevel: (() => void) | undefined;
  const savedPushwooshUrl = process.env.PUSHWOOSH_API_URL;

  beforeAll(async () => {
    stopCapture = captureOutput();
    // Every log line, not only warnings: debug lines are where a careless payload dump would sit.
    restoreLogLevel = holdLogLevel("DEBUG");
    pushwoosh = createPushwooshSandbox({ credentials: PUSHWOOSH, log: (line) => record("pushwoosh sandbox", line) });
    process.env.PUSHWOOSH_API_URL = await pushwoosh.start(0);
    // The sample's custom events exist in this Pushwoosh application, so postEvent succeeds too.
    pushwoosh.createEvents(...sampleEventNames());
    stack = await startLocalStack({
      port: 0,
      sqsPort: 0,
      secretsFile: secretsFile(SECRETS),
      log: (line) => record("local stack", line),
      pollerConcurrency: 1,
      env: { RETRY_BASE_SECONDS: "1", POWERTOOLS_LOG_LEVEL: "DEBUG" },
    });
  });
  afterAll(async () => {
    if (process.env.DUMP_SEEN) (await import("node:fs")).writeFileSync(process.env.DUMP_SEEN, seen.map(({ where, text }) => `${where}: ${text}`).join("\n"));
    await stack?.stop();
    await pushwoosh?.stop();
    if (savedPushwooshUrl === undefined) delete process.env.PUSHWOOSH_API_URL;
    else process.env.PUSHWOOSH_API_URL = savedPushwooshUrl;
    restoreLogLevel?.();
    stopCapture?.();
  });

  /** Posts and records the whole answer (status, headers, body). */
  async function post(path: string, authorization: string | undefined, body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    record(`answer of POST ${path}`, `${response.status} ${JSON.stringify([...response.headers])} ${text}`);
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  const firehose = (settings: Record<string, string> = PUSHWOOSH) => configured(fixture("EventProcessingRequest_ios.json"), settings);
  const currents = (events: RawBrazeEvent[]) => ({ events });
  let braze = 0;
  /** Braze events for both destinations (a custom event feeds Mixpanel only, a push send both). */
  const brazeEvents = (platform = "ios"): RawBrazeEvent[] => [
    brazeEvent("users.messages.pushnotification.Send", { id: eventId(++braze), externalUserId: "user-1", platform }),
    brazeEvent("users.behaviors.CustomEvent", { id: eventId(++braze), externalUserId: "user-1", platform: "android" }),
  ];

  /** Runs the DLQ CLI in-process and records what it prints. */
  async function cli(...argv: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = "";
    let stderr = "";
    const code = await main(
      argv,
      {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        stdin: process.stdin,
      },
      FAST_SETTINGS,
    );
    record(`cdp-relay ${argv.join(" ")} (stdout)`, stdout);
    record(`cdp-relay ${argv.join(" ")} (stderr)`, stderr);
    return { code, stdout };
  }

  it("mParticle → Pushwoosh: accepted with the current and the previous token, delivered, retried after a 5xx", async () => {
    pushwoosh.injectFaults({ kind: "status", status: 503 });
    const current = await post("/mparticle/events", `Token ${SECRETS.inbound.mparticleToken}`, firehose());
    const previous = await post("/mparticle/events", `Token ${SECRETS.inbound.previousMparticleToken}`, firehose());
    expect([current.status, previous.status]).toEqual([200, 200]);
    await waitFor(() => pushwoosh.callsTo().filter((call) => call.status === 200).length >= 2, 30_000, "Pushwoosh calls");
    expect(pushwoosh.callsTo().some((call) => call.status === 503)).toBe(true);
    expect(leaks()).toEqual([]);
  });

  it("mParticle → Pushwoosh: a revoked token (401) and a refused call (4xx, parked)", async () => {
    const before = pushwoosh.callsTo().length;
    const revoked = await post("/mparticle/events", `Token ${SECRETS.inbound.mparticleToken}`, firehose({ ...PUSHWOOSH, apiToken: REVOKED_PUSHWOOSH_TOKEN }));
    expect(revoked.status).toBe(200);
    await waitFor(
      () =>
        pushwoosh
          .callsTo()
          .slice(before)
          .some((call) => call.status === 401),
      30_000,
      "Pushwoosh's 401",
    );
    // A partner that echoes the credential it refused, as some do in their error text.
    pushwoosh.injectFaults({ kind: "status", status: 400, body: { status_code: 400, status_message: `bad request for Token ${PUSHWOOSH.apiToken}` } });
    await post("/mparticle/events", `Token ${SECRETS.inbound.mparticleToken}`, firehose());
    await waitFor(async () => (await cli("dlq", "list", "--queue", "pushwoosh", "--json")).stdout.includes("permanent"), 30_000, "the parked Pushwoosh call");
    expect(leaks()).toEqual([]);
  });

  it("Braze → mParticle and Mixpanel: accepted with both tokens, delivered, retried after a 5xx, refused with a 401 and a 400", async () => {
    const mparticle = defined(stack.sandboxes.mparticle);
    const mixpanel = defined(stack.sandboxes.mixpanel);
    mparticle.injectFaults({ kind: "status", status: 500 });
    mixpanel.injectFaults({ kind: "status", status: 502 });
    expect((await post("/braze/currents", `Bearer ${SECRETS.inbound.brazeToken}`, currents(brazeEvents()))).status).toBe(200);
    expect((await post("/braze/currents", `Bearer ${SECRETS.inbound.previousBrazeToken}`, currents(brazeEvents()))).status).toBe(200);
    await waitFor(
      () => mixpanel.imported.length >= 4 && mparticle.accepted.flatMap((accepted) => accepted.batch.events as unknown[]).length >= 2,
      30_000,
      "both deliveries",
    );

    // Credentials refused, with the refused Basic header echoed back in the partner's error text.
    const ios = SECRETS.mparticle.feeds.ios;
    mparticle.injectFaults({
      kind: "status",
      status: 401,
      body: { errors: [{ code: "UNAUTHORIZED", message: `bad credentials: Basic ${base64(`${ios.key}:${ios.secret}`)}` }] },
    });
    mparticle.injectFaults({ kind: "status", status: 400, body: { errors: [{ code: "BAD_REQUEST", message: "malformed batch" }] } });
    mixpanel.injectFaults({ kind: "status", status: 401, body: { error: "Invalid credentials", status: 0 } });
    // Two feeds, so two bulk requests: one meets the 401, the other the 400.
    expect((await post("/braze/currents", `Bearer ${SECRETS.inbound.brazeToken}`, currents(brazeEvents("ios")))).status).toBe(200);
    expect((await post("/braze/currents", `Bearer ${SECRETS.inbound.brazeToken}`, currents(brazeEvents("web")))).status).toBe(200);
    await waitFor(() => mparticle.callsTo().filter((call) => call.status === 401 || call.status === 400).length >= 2, 30_000, "mParticle's 401 and 400");
    await waitFor(() => mixpanel.callsTo().some((call) => call.status === 401), 30_000, "Mixpanel's 401");
    // An event Mixpanel's strict mode refuses is parked with Mixpanel's reason.
    // A time before 1971: passed on by the mapper, refused by Mixpanel.
    const refused = brazeEvent("users.behaviors.app.SessionStart", { id: eventId(9000), time: 1, externalUserId: "user-2" });
    expect((await post("/braze/currents", `Bearer ${SECRETS.inbound.brazeToken}`, currents([refused]))).status).toBe(200);
    await waitFor(async () => (await cli("dlq", "list", "--queue", "mixpanel", "--json")).stdout.includes("permanent"), 30_000, "the parked Mixpanel event");
    expect(leaks()).toEqual([]);
  });

  it("refused requests: a wrong or missing inbound token gets a 401 that names no secret", async () => {
    const answers = await Promise.all([
      post("/mparticle/events", "Token not-the-token", firehose()),
      post("/mparticle/audiences", undefined, configured(fixture("AudienceSubscriptionRequest.json"), PUSHWOOSH)),
      post("/braze/currents", `Bearer ${SECRETS.inbound.brazeToken}x`, currents(brazeEvents())),
      post("/braze/currents", `Token ${SECRETS.inbound.mparticleToken}`, currents(brazeEvents())),
      post("/mparticle/registration", undefined, fixture("ModuleRegistrationRequest.json")),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 200]);
    expect(leaks()).toEqual([]);
  });

  it("the DLQ CLI: list, show and redrive of every DLQ print no secret, nor do the DLQ messages themselves", async () => {
    // The DLQ messages, as any other SQS tool would dump them (the CLI is not the only reader).
    for (const destination of DESTINATIONS) {
      const { Messages } = await stack.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.queueUrls[destination].dlq,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          MessageAttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
        }),
      );
      for (const message of Messages ?? []) record(`${destination} DLQ message`, JSON.stringify(message));
    }
    expect(new Set(seen.filter(({ where }) => where.endsWith("DLQ message")).map(({ where }) => where))).toEqual(
      new Set(["mixpanel DLQ message", "mparticle DLQ message", "pushwoosh DLQ message"]),
    );

    for (const destination of DESTINATIONS) {
      const listed = await cli("dlq", "list", "--queue", destination, "--json");
      expect(listed.code).toBe(0);
      await cli("dlq", "list", "--queue", destination);
      for (const { messageId } of JSON.parse(listed.stdout) as Array<{ messageId: string }>) {
        expect((await cli("dlq", "show", messageId, "--queue", destination)).code).toBe(0);
      }
      await cli("dlq", "redrive", "--queue", destination, "--dry-run");
    }
    // The parked Pushwoosh call goes back to its queue and, the fault gone, is delivered.
    const before = pushwoosh.callsTo().length;
    expect((await cli("dlq", "redrive", "--queue", "pushwoosh")).code).toBe(0);
    await waitFor(
      () =>
        pushwoosh
          .callsTo()
          .slice(before)
          .some((call) => call.status === 200),
      30_000,
      "the redriven call delivered",
    );

    expect(leaks()).toEqual([]);
  });
});
