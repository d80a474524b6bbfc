import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EventStreamSerde, eventStreamSerdeProvider } from "../../infra/bundling/noEventStreams.js";

describe("the event-stream stand-in the deployed bundles get (infra/bundling/noEventStreams.ts)", () => {
  it("names itself when an event-stream operation reaches it", () => {
    expect(() => new EventStreamSerde()).toThrow("infra/bundling/noEventStreams.ts");
    expect(() => eventStreamSerdeProvider()).toThrow("AWS event streams are not bundled");
  });

  it("stands in for every export of @smithy/core/event-streams the SDK's HTTP protocol imports", () => {
    // The ESM build esbuild bundles (mainFields "module"): its only import of the event-stream module.
    const protocol = readFileSync(new URL("../../node_modules/@smithy/core/dist-es/submodules/protocols/HttpProtocol.js", import.meta.url), "utf8");
    const imported = [...protocol.matchAll(/const \{([^}]*)\} = await import\("@smithy\/core\/event-streams"\)/g)].flatMap((match) => (match[1] ?? "").split(",").map((name) => name.trim()));
    expect(imported.length).toBeGreaterThan(0);
    const standIn: Record<string, unknown> = { EventStreamSerde, eventStreamSerdeProvider };
    for (const name of imported) expect(typeof standIn[name], name).toBe("function");
  });
});
