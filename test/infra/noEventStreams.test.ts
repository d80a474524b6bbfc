import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EventStreamSerde, eventStreamSerdeProvider } from "../../infra/bundling/noEventStreams.js";

const esm = (path: string) => readFileSync(new URL(`../../node_modules/${path}`, import.meta.url), "utf8");
/** The names an ESM file imports from @smithy/core/event-streams, statically or lazily. */
const importedNames = (source: string) =>
  [
    ...source.matchAll(/(?:import|const) \{([^}]*)\} = ?(?:await import\()?(?:from )?"@smithy\/core\/event-streams"/g),
    ...source.matchAll(/import \{([^}]*)\} from "@smithy\/core\/event-streams"/g),
  ]
    .flatMap((match) => (match[1] ?? "").split(",").map((name) => name.trim()))
    .filter(Boolean);

describe("the event-stream stand-in the deployed bundles get (infra/bundling/noEventStreams.ts)", () => {
  it("names itself when an event-stream operation reaches it", () => {
    expect(() => new EventStreamSerde()).toThrow("infra/bundling/noEventStreams.ts");
    expect(() => eventStreamSerdeProvider().serialize()).toThrow("AWS event streams are not bundled");
  });

  it("stands in for every export of @smithy/core/event-streams the SDK's HTTP protocol imports", () => {
    // The ESM builds esbuild bundles (mainFields "module").
    const imported = [
      ...importedNames(esm("@smithy/core/dist-es/submodules/protocols/HttpProtocol.js")),
    ];
    expect(imported).toEqual(expect.arrayContaining(["EventStreamSerde", "eventStreamSerdeProvider"]));
    const standIn: Record<string, unknown> = { EventStreamSerde, eventStreamSerdeProvider };
    for (const name of imported) expect(typeof standIn[name], name).toBe("function");
  });
});
