import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HTTP_FUNCTIONS } from "../../../infra/wiring.js";
import {
  BRAZE_CURRENTS_LIMITS,
  MPARTICLE_AUDIENCES_LIMITS,
  MPARTICLE_EVENTS_LIMITS,
  MPARTICLE_WEBHOOK_LIMITS,
  REGISTRATION_LIMITS,
  type IngestLimits,
} from "../../../shared/http/limits.js";
import { defined } from "../../support/defined.js";

const SECURITY_DOC = readFileSync(new URL("../../../docs/security.md", import.meta.url), "utf8");

/** The limits each function passes to ingestHandler (functions/<name>.ts). */
const LIMITS_BY_FUNCTION: Record<string, IngestLimits> = {
  "mparticle-registration": REGISTRATION_LIMITS,
  "mparticle-events": MPARTICLE_EVENTS_LIMITS,
  "mparticle-audiences": MPARTICLE_AUDIENCES_LIMITS,
  "mparticle-webhook": MPARTICLE_WEBHOOK_LIMITS,
  "braze-currents": BRAZE_CURRENTS_LIMITS,
};

const MB = 1_000_000;

describe("ingest limits", () => {
  it.each(HTTP_FUNCTIONS.map((fn) => [fn.trigger.path, fn.name] as const))("%s is in the limits table of docs/security.md as defined", (path, functionName) => {
    const limits = defined(LIMITS_BY_FUNCTION[functionName], `limits for ${functionName}`);
    const row = defined(
      SECURITY_DOC.split("\n").find((line) => line.startsWith(`| \`POST ${path}\` | ${limits.maxBodyBytes} bytes`)),
      `the limits row for ${path}`,
    );
    const cells = row.split("|").map((cell) => cell.trim());
    expect(cells[2]).toMatch(new RegExp(`^${limits.maxBodyBytes} bytes`));
    expect(cells[3]).toMatch(new RegExp(`^${limits.maxDecodedBytes} bytes`));
    expect(cells[4]).toBe(String(limits.maxDepth));
    expect(cells[5]).toBe(limits.items ? `${limits.items.max} \`${limits.items.field}\`` : "–");
  });

  it("stay below what Lambda takes in one invocation (6 MB, base64 adds a third) and API Gateway's 10 MB", () => {
    for (const limits of Object.values(LIMITS_BY_FUNCTION)) {
      expect((limits.maxBodyBytes * 4) / 3).toBeLessThan(6 * MB - 100_000);
      expect(limits.maxDecodedBytes).toBeLessThan(10 * MB);
    }
  });
});
