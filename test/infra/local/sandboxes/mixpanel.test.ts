import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMixpanelSandbox, type MixpanelSandbox } from "../../../../infra/local/sandboxes/mixpanel.js";
import { eventId } from "../../../shared/sources/braze/factories.js";
import { TEST_SECRETS, basic } from "../../../support/secrets.js";

function event(n: number, properties: Record<string, unknown> = {}) {
  return { event: "Canvas Entry", properties: { distinct_id: `user-${n}`, time: 1767225600000, $insert_id: eventId(n), ...properties } };
}

describe("Mixpanel sandbox", () => {
  let sandbox: MixpanelSandbox;

  const post = (body: unknown, options: { authorization?: string; query?: string; ndjson?: boolean; gzip?: boolean } = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return fetch(`${sandbox.url}/import?${options.query ?? "strict=1"}`, {
      method: "POST",
      headers: {
        authorization: options.authorization ?? basic("test-project-token", ""),
        "content-type": options.ndjson ? "application/x-ndjson" : "application/json",
        ...(options.gzip === false ? {} : { "content-encoding": "gzip" }),
      },
      body: options.gzip === false ? text : gzipSync(text),
    });
  };

  beforeAll(async () => {
    sandbox = createMixpanelSandbox({ mixpanel: TEST_SECRETS.mixpanel });
    await sandbox.start(0);
  });
  afterEach(() => {
    sandbox.calls.length = 0;
  });
  afterAll(() => sandbox.stop());

  it("imports valid events and answers like Mixpanel", async () => {
    const response = await post([event(1), event(2)]);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ code: 200, num_records_imported: 2, status: "OK" });
    expect(sandbox.imported.map((imported) => imported.properties.$insert_id)).toEqual(expect.arrayContaining([eventId(1), eventId(2)]));
  });

  it("keeps one event per $insert_id", async () => {
    const before = sandbox.imported.length;

    await post([event(50)]);
    await post([event(50)]);

    expect(sandbox.imported.length).toBe(before + 1);
  });

  it("reads NDJSON and plain (not gzip) bodies", async () => {
    const response = await post(`${JSON.stringify(event(60))}\n${JSON.stringify(event(61))}\n`, { ndjson: true, gzip: false });

    expect(await response.json()).toEqual({ code: 200, num_records_imported: 2, status: "OK" });
  });

  it("answers strict-mode 400 with failed_records and still imports the valid events", async () => {
    const response = await post([event(70), event(71, { $insert_id: "a".repeat(37) }), { event: "", properties: {} }, event(72, { time: "now" })]);

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 400,
      error: "some data points in the request failed validation",
      num_records_imported: 1,
      status: "Bad Request",
      failed_records: [
        {
          index: 1,
          insert_id: "a".repeat(37),
          field: "properties.$insert_id",
          message: "'properties.$insert_id' is invalid: must be at most 36 alphanumeric characters or '-'",
        },
        { index: 2, insert_id: "", field: "event", message: "'event' must be a non-empty string" },
        {
          index: 3,
          insert_id: eventId(72),
          field: "properties.time",
          message: "'properties.time' is invalid: must be specified as seconds or milliseconds since epoch",
        },
      ],
    });
    expect(sandbox.imported.some((imported) => imported.properties.$insert_id === eventId(70))).toBe(true);
  });

  it.each([
    ["a placeholder distinct_id", { distinct_id: "anonymous" }, "properties.distinct_id"],
    ["a missing distinct_id", { distinct_id: undefined }, "properties.distinct_id"],
    ["a time before 1971", { time: 1000 }, "properties.time"],
    ["an $insert_id with other characters", { $insert_id: "a_b" }, "properties.$insert_id"],
    ["the placeholder distinct_id <nil>", { distinct_id: "<nil>" }, "properties.distinct_id"],
    ["the placeholder distinct_id true", { distinct_id: "true" }, "properties.distinct_id"],
    ["the placeholder distinct_id FALSE", { distinct_id: "FALSE" }, "properties.distinct_id"],
    ["the placeholder $insert_id null", { $insert_id: "null" }, "properties.$insert_id"],
    ["the placeholder $insert_id 0", { $insert_id: "0" }, "properties.$insert_id"],
    ["255 properties", Object.fromEntries(Array.from({ length: 252 }, (_, i) => [`p${i}`, i])), "properties"],
    ["a list of 255 items", { list: Array.from({ length: 255 }, (_, i) => i) }, "properties.list"],
    ["an object of 255 keys", { object: Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`k${i}`, i])) }, "properties.object"],
    ["objects nested 4 levels deep", { a: { b: { c: { d: { e: 1 } } } } }, "properties.a.b.c.d"],
    ["lists nested 4 levels deep", { a: [[[[1]]]] }, "properties.a.0.0.0"],
  ])("rejects %s", async (_, properties, field) => {
    const response = await post([event(80, properties)]);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { failed_records: Array<{ field: string }> }).failed_records[0]?.field).toBe(field);
  });

  it.each([
    ["254 properties", Object.fromEntries(Array.from({ length: 251 }, (_, i) => [`p${i}`, i]))],
    [
      "a list of 254 items and an object of 254 keys",
      { list: Array.from({ length: 254 }, (_, i) => i), object: Object.fromEntries(Array.from({ length: 254 }, (_, i) => [`k${i}`, i])) },
    ],
    ["objects and lists nested 3 levels deep", { a: { b: { c: 1, l: [1] } }, m: [[[1]]] }],
  ])("imports an event at the limits: %s", async (_, properties) => {
    const response = await post([event(95, properties)]);

    expect(response.status).toBe(200);
  });

  it("drops invalid events silently without strict=1", async () => {
    const response = await post([event(90), event(91, { $insert_id: "" })], { query: "" });

    expect(await response.json()).toEqual({ code: 200, num_records_imported: 1, status: "OK" });
  });

  it.each([
    ["a wrong token", basic("other-token", "")],
    ["no credentials", "Bearer test-project-token"],
  ])("answers 401 to %s", async (_, authorization) => {
    const response = await post([event(1)], { authorization });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 401, error: "Invalid credentials", status: "Unauthorized" });
  });

  it("answers 400 to more than 2000 events and 413 to more than 2 MB", async () => {
    const many = await post(Array.from({ length: 2001 }, (_, i) => event(i)));
    const huge = await post([event(1, { blob: "x".repeat(2 * 1024 * 1024) })]);

    expect(many.status).toBe(400);
    expect(await many.json()).toEqual({ code: 400, error: "at most 2000 events per request", status: "Bad Request" });
    expect(huge.status).toBe(413);
  });
});

describe("Mixpanel sandbox with a service account", () => {
  const serviceAccount = { username: "sa.user", secret: "sa-secret", projectId: "12345" };
  let sandbox: MixpanelSandbox;

  beforeAll(async () => {
    sandbox = createMixpanelSandbox({ mixpanel: { serviceAccount } });
    await sandbox.start(0);
  });
  afterAll(() => sandbox.stop());

  it.each([
    ["project_id=12345", basic("sa.user", "sa-secret"), 200],
    ["project_id=99999", basic("sa.user", "sa-secret"), 401],
    ["", basic("sa.user", "sa-secret"), 401],
    ["project_id=12345", basic("sa.user", "wrong"), 401],
  ])("with %s and the given credentials answers %i", async (projectQuery, authorization, status) => {
    const response = await fetch(`${sandbox.url}/import?strict=1&${projectQuery}`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify([event(1)]),
    });

    expect(response.status).toBe(status);
  });
});
