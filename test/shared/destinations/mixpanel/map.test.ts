import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { MixpanelEvent } from "../../../../shared/destinations/mixpanel/schema.js";
import { IMPORT_LIMITS, importRequests } from "../../../../shared/destinations/mixpanel/map.js";
import { basic } from "../../../support/secrets.js";

const BASE = "https://api.mixpanel.test";

function event(n: number, properties: Record<string, unknown> = {}): MixpanelEvent {
  return { event: "Canvas Entry", properties: { distinct_id: "alice", time: 1767225600000 + n, $insert_id: `id-${n}`, ...properties } };
}
const keyed = (events: MixpanelEvent[]) => events.map((item, index) => ({ key: `k${index}`, item }));
const bodyOf = (body: unknown) => JSON.parse(gunzipSync(body as Buffer).toString("utf8")) as MixpanelEvent[];

describe("importRequests", () => {
  it("builds the documented gzip POST /import?strict=1 with the project token as Basic user", () => {
    const events = [event(1), event(2)];

    const [request, ...rest] = importRequests(keyed(events), { projectToken: "token" }, BASE);

    expect(rest).toEqual([]);
    expect(request?.http).toMatchObject({
      method: "POST",
      url: `${BASE}/import?strict=1`,
      headers: { authorization: basic("token", ""), "content-type": "application/json", "content-encoding": "gzip", accept: "application/json" },
    });
    expect(bodyOf(request?.http.body)).toEqual(events);
    expect(request?.keys).toEqual(["k0", "k1"]);
    expect(request?.insertIds).toEqual(["id-1", "id-2"]);
  });

  it("authenticates a service account with Basic and project_id", () => {
    const [request] = importRequests(keyed([event(1)]), { serviceAccount: { username: "sa", secret: "s", projectId: "12 3" } }, BASE);

    expect(request?.http.url).toBe(`${BASE}/import?strict=1&project_id=12%203`);
    expect(request?.http.headers.authorization).toBe(basic("sa", "s"));
  });

  it("splits at 2000 events", () => {
    const requests = importRequests(keyed(Array.from({ length: 4500 }, (_, n) => event(n))), { projectToken: "t" }, BASE);

    expect(requests.map((request) => request.keys.length)).toEqual([IMPORT_LIMITS.events, IMPORT_LIMITS.events, 500]);
  });

  it("splits before 2 MB of JSON", () => {
    const requests = importRequests(keyed(Array.from({ length: 1500 }, (_, n) => event(n, { blob: "z".repeat(2_000) }))), { projectToken: "t" }, BASE);

    expect(requests.length).toBe(2);
    for (const request of requests) expect(gunzipSync(request.http.body as Buffer).byteLength).toBeLessThanOrEqual(IMPORT_LIMITS.bytes);
  });
});
