import diagnostics from "node:diagnostics_channel";
import { describe, expect, it } from "vitest";
import { RetryableError } from "../../../shared/errors.js";
import { PARTNER_CALL_CHANNEL, parseJsonBody, partnerRequest, type PartnerCallMessage } from "../../../shared/http/partnerRequest.js";
import { closedPort } from "../../support/closedPort.js";
import { useLocalServer } from "../../support/localServer.js";
import { withEnv } from "../../support/env.js";

describe("partnerRequest against a real HTTP server", () => {
  const seen: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];
  const local = useLocalServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      seen.push({ method: request.method, url: request.url, headers: request.headers, body });
      if (request.url?.startsWith("/slow-body")) {
        response.writeHead(200, { "content-type": "application/json" });
        response.write('{"ok":');
        return void setTimeout(() => response.end("true}"), 1_000);
      }
      if (request.url?.startsWith("/slow")) return void setTimeout(() => response.end("late"), 1_000);
      response.writeHead(request.url === "/busy" ? 503 : 200, { "retry-after": "3", "content-type": "application/json" });
      response.end('{"ok":true}');
    });
  });

  it("sends the request as built and returns every answer as is, for the client to classify", async () => {
    const response = await partnerRequest("test", { method: "POST", url: `${local.url}/busy`, headers: { "x-key": "v" }, body: "{}" });

    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/busy", headers: { "x-key": "v" }, body: "{}" });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(response.bodyText).toBe('{"ok":true}');
    expect(response.latencyMs).toBeGreaterThanOrEqual(0);
    // Elapsed time, not a clock reading (a sum of two would be the process's age twice).
    expect(response.latencyMs).toBeLessThan(performance.now());
  });

  it("turns a timeout into a RetryableError naming the path but not the query string", async () => {
    const error = await withEnv({ PARTNER_TIMEOUT_MS: "100" }, () =>
      partnerRequest("test", { method: "GET", url: `${local.url}/slow?api_key=secret`, headers: {} }).catch((thrown: unknown) => thrown),
    );

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^test request timed out: \/slow: /);
    expect((error as Error).message).not.toContain("secret");
  });

  it("times out an answer whose body stops coming: the timeout covers the whole body", async () => {
    const error = await withEnv({ PARTNER_TIMEOUT_MS: "100" }, () =>
      partnerRequest("test", { method: "GET", url: `${local.url}/slow-body`, headers: {} }).catch((thrown: unknown) => thrown),
    );

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^test request timed out: \/slow-body: no answer within 100 ms/);
  });

  it("leaves no timer behind once the answer is in", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
    const before = timers();

    for (let call = 0; call < 5; call++) await partnerRequest("test", { method: "GET", url: `${local.url}/ok`, headers: {} });

    expect(timers()).toBe(before);
  });
});

describe("partnerRequest without a server", () => {
  it("turns a refused connection into a RetryableError that says it failed, with the network's reason and the cause", async () => {
    const port = await closedPort();

    const error = await partnerRequest("test", { method: "POST", url: `http://127.0.0.1:${port}/import?token=secret`, headers: {} }).catch(
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^test request failed: \/import: .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain("secret");
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });
});

describe("partnerRequest with a request fetch refuses to send", () => {
  it("says why in the error, from the error itself when it has no cause", async () => {
    const error = await partnerRequest("test", { method: "GET", url: "http://127.0.0.1:9/events?token=secret", headers: { "x-bad": "a\nb" } }).catch(
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^test request failed: \/events: Headers\.append: .* is an invalid header value\.$/s);
    expect((error as Error).message).not.toContain("secret");
  });
});

describe("partnerRequest's diagnostics channel", () => {
  const local = useLocalServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(202, { "content-type": "application/json" }).end('{"accepted":1}'));
  });

  /** Runs `action` with a subscriber on the channel; returns what it was told. */
  async function observed(action: () => Promise<unknown>): Promise<PartnerCallMessage[]> {
    const messages: PartnerCallMessage[] = [];
    const subscriber = (message: unknown) => messages.push(message as PartnerCallMessage);
    diagnostics.subscribe(PARTNER_CALL_CHANNEL, subscriber);
    try {
      await action().catch(() => undefined);
    } finally {
      diagnostics.unsubscribe(PARTNER_CALL_CHANNEL, subscriber);
    }
    return messages;
  }

  it("publishes each answered call with its request, answer and duration", async () => {
    const request = { method: "POST" as const, url: `${local.url}/import`, headers: { authorization: "Basic c2VjcmV0Og==" }, body: '{"e":1}' };

    const [message, ...others] = await observed(() => partnerRequest("mixpanel", request));

    expect(others).toEqual([]);
    expect(message).toMatchObject({ partner: "mixpanel", request, response: { status: 202, bodyText: '{"accepted":1}' }, durationMs: expect.any(Number) });
    expect(message?.failure).toBeUndefined();
  });

  it("publishes a call that got no answer with the reason", async () => {
    const port = await closedPort();

    const [message] = await observed(() => partnerRequest("pushwoosh", { method: "GET", url: `http://127.0.0.1:${port}/x`, headers: {} }));

    expect(message).toMatchObject({ partner: "pushwoosh", failure: { reason: "failed", detail: expect.stringMatching(/ECONNREFUSED/) } });
    expect(message?.response).toBeUndefined();
    // Elapsed time, not a clock reading.
    expect(message?.durationMs).toBeGreaterThanOrEqual(0);
    expect(message?.durationMs).toBeLessThan(performance.now());
  });

  it("publishes nothing while nobody subscribes, answered or not", async () => {
    expect(diagnostics.hasSubscribers(PARTNER_CALL_CHANNEL)).toBe(false);
    const published: unknown[] = [];
    const channel = diagnostics.channel(PARTNER_CALL_CHANNEL);
    const publish = channel.publish.bind(channel);
    channel.publish = (message: unknown) => void published.push(message);
    try {
      await partnerRequest("mixpanel", { method: "GET", url: `${local.url}/import`, headers: {} });
      await expect(partnerRequest("mixpanel", { method: "GET", url: `http://127.0.0.1:${await closedPort()}/import`, headers: {} })).rejects.toThrow(
        RetryableError,
      );
    } finally {
      channel.publish = publish;
    }
    expect(published).toEqual([]);
  });
});

describe("parseJsonBody", () => {
  it("parses JSON and answers undefined for anything else", () => {
    expect(parseJsonBody('{"a":[1]}')).toEqual({ a: [1] });
    expect(parseJsonBody("<html>")).toBeUndefined();
    expect(parseJsonBody("")).toBeUndefined();
  });
});
