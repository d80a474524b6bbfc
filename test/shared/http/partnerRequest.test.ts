import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryableError } from "../../../shared/errors.js";
import { parseJsonBody, partnerRequest } from "../../../shared/http/partnerRequest.js";
import { withEnv } from "../../support/env.js";

describe("partnerRequest against a real HTTP server", () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        seen.push({ method: request.method, url: request.url, headers: request.headers, body });
        if (request.url?.startsWith("/slow")) return void setTimeout(() => response.end("late"), 1_000);
        response.writeHead(request.url === "/busy" ? 503 : 200, { "retry-after": "3", "content-type": "application/json" });
        response.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends the request as built and returns every answer as is, for the client to classify", async () => {
    const response = await partnerRequest("test", { method: "POST", url: `${base}/busy`, headers: { "x-key": "v" }, body: "{}" });

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
      partnerRequest("test", { method: "GET", url: `${base}/slow?api_key=secret`, headers: {} }).catch((thrown: unknown) => thrown),
    );

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^test request timed out: \/slow: /);
    expect((error as Error).message).not.toContain("secret");
  });
});

describe("partnerRequest without a server", () => {
  it("turns a refused connection into a RetryableError that says it failed, with the network's reason and the cause", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    const error = await partnerRequest("test", { method: "POST", url: `http://127.0.0.1:${port}/import?token=secret`, headers: {} }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^test request failed: \/import: .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain("secret");
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });
});

describe("parseJsonBody", () => {
  it("parses JSON and answers undefined for anything else", () => {
    expect(parseJsonBody('{"a":[1]}')).toEqual({ a: [1] });
    expect(parseJsonBody("<html>")).toBeUndefined();
    expect(parseJsonBody("")).toBeUndefined();
  });
});
