/**
 * Vitest setup file: structured log lines (Powertools JSON, `{"level":...}`) written while tests run are
 * kept here instead of printed, so a passing suite prints no ERROR lines for failures it provokes on
 * purpose. A test that expects an error log asserts on `structuredLogs()`.
 */
const captured: Array<Record<string, unknown>> = [];
const STRUCTURED_LINE = /^\{"level":"[A-Z]+"/;

type Write = typeof process.stdout.write;

function capture(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : "";
    if (!STRUCTURED_LINE.test(text)) return write(chunk, ...rest);
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        captured.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        return write(chunk, ...rest);
      }
    }
    const callback = rest.find((argument) => typeof argument === "function") as (() => void) | undefined;
    if (callback) queueMicrotask(callback);
    return true;
  }) as Write;
}

capture(process.stdout);
capture(process.stderr);

/** The structured log lines captured so far in this test file, optionally of one level. */
export function structuredLogs(level?: string): Array<Record<string, unknown>> {
  return level === undefined ? [...captured] : captured.filter((line) => line.level === level);
}
