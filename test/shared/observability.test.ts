import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as Observability from "../../shared/observability.js";

/** Every JSON line the logger (warnings on stderr) and the EMF metrics (stdout) write while `run` runs. */
function jsonLines(run: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, "write").mockImplementation(capture), vi.spyOn(process.stderr, "write").mockImplementation(capture)];
  try {
    run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines
    .flatMap((text) => text.split("\n"))
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("reportTrimmed", () => {
  let reportTrimmed: typeof Observability.reportTrimmed;

  // The test environment silences logs below ERROR and disables metrics; this module instance is built without that.
  beforeAll(async () => {
    vi.resetModules();
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "WARN");
    reportTrimmed = (await import("../../shared/observability.js")).reportTrimmed;
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("logs what was cut with the event id and publishes metric trimmed per limit", () => {
    const output = jsonLines(() => reportTrimmed("braze-to-mixpanel", "event-1", { arrayItems: 46, depth: 0, properties: 3 }));

    expect(output).toContainEqual(
      expect.objectContaining({
        level: "WARN",
        message: "event cut to the destination's limits",
        flow: "braze-to-mixpanel",
        eventId: "event-1",
        cuts: { arrayItems: 46, properties: 3 },
      }),
    );
    const metrics = output.filter((line) => "_aws" in line);
    expect(metrics.map((line) => [line.flow, line.limit, line.trimmed])).toEqual([
      ["braze-to-mixpanel", "arrayItems", 46],
      ["braze-to-mixpanel", "properties", 3],
    ]);
  });

  it("says nothing when nothing was cut", () => {
    expect(jsonLines(() => reportTrimmed("braze-to-mparticle", "event-2", { attributes: 0 }))).toEqual([]);
  });
});

describe("publishCount", () => {
  let observability: typeof Observability;

  beforeAll(async () => {
    vi.resetModules();
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    observability = await import("../../shared/observability.js");
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("publishes the count at once, one line per dimension set beside the handler's defaults, with no warning for the key they share", () => {
    const metrics = observability.createMetrics({ destination: "mixpanel" });
    const warn = vi.spyOn(console, "warn");
    const lines = jsonLines(() =>
      observability.publishCount(metrics, "parked", 3, { reason: "validation" }, { reason: "validation", flow: "braze-to-mixpanel" }),
    );

    expect(warn).not.toHaveBeenCalled();
    expect(lines.map((line) => (line._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]?.Dimensions)).toEqual([
      [["service", "destination", "reason"]],
      [["service", "destination", "reason", "flow"]],
    ]);
    expect(lines[0]).toMatchObject({ parked: 3, destination: "mixpanel", reason: "validation" });
    expect(lines[1]).toMatchObject({ parked: 3, destination: "mixpanel", reason: "validation", flow: "braze-to-mixpanel" });
  });

  it("publishes under the handler's defaults alone when given no dimension set", () => {
    const metrics = observability.createMetrics({ destination: "pushwoosh" });
    const [line] = jsonLines(() => observability.publishCount(metrics, "partnerDown", 1));

    expect(line).toMatchObject({ partnerDown: 1, destination: "pushwoosh" });
    expect((line?._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]?.Dimensions).toEqual([["service", "destination"]]);
  });
});
