import { afterAll, beforeAll, beforeEach } from "vitest";

/** One metric value as published: its name, value and dimensions (but `service`, the same for all). */
export type PublishedMetric = Record<string, unknown> & { metric: string; value: unknown };

/**
 * Enables Powertools metrics for the test file (the suite disables them) and keeps the EMF lines they print
 * on stdout instead of printing them; returns the metrics published since the current test began, one
 * entry per value. Metrics are contract (docs/operations.md: the dashboard and the alarms read them).
 */
export function usePublishedMetrics(): () => PublishedMetric[] {
  const lines: Array<Record<string, unknown>> = [];
  const write = process.stdout.write.bind(process.stdout);
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  beforeAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = "false";
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = String(chunk);
      if (!text.startsWith('{"_aws"')) return write(chunk, ...rest);
      for (const line of text.split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    }) as typeof process.stdout.write;
  });
  beforeEach(() => {
    lines.length = 0;
  });
  afterAll(() => {
    process.stdout.write = write;
    process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  });
  return () =>
    lines.flatMap((line) => {
      const [definition] = (line._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics;
      // Every dimension of every set the line names.
      const names = new Set((definition?.Dimensions ?? []).flat());
      const dimensions = Object.fromEntries([...names].filter((name) => name !== "service").map((name) => [name, line[name]]));
      return (definition?.Metrics ?? []).flatMap(({ Name }) => [line[Name]].flat().map((value) => ({ metric: Name, value, ...dimensions })));
    });
}
