import { afterEach, describe, expect, it, vi } from "vitest";
import { PartnerUnreachableError } from "../../../shared/errors.js";
import { DOWN_AFTER_OUTAGES, PartnerHealth } from "../../../shared/queue/partnerHealth.js";

describe("PartnerHealth", () => {
  afterEach(() => vi.unstubAllEnvs());

  function downHealth(at = 1_000): PartnerHealth {
    const health = new PartnerHealth();
    for (let call = 0; call < DOWN_AFTER_OUTAGES; call++) health.record("call", "outage", at + 2 * call, at + 2 * call + 1);
    return health;
  }

  it("is down after three outages in a row, and up again on any answer, a 429 included", () => {
    const health = new PartnerHealth();
    health.record("call", "outage", 0, 1);
    health.record("call", "outage", 2, 3);
    expect(health.down).toBe(false);
    health.record("call", "outage", 4, 5);
    expect(health.down).toBe(true);
    expect(health.downSince).toBe(5);
    health.record("call", "outage", 6, 7);
    expect(health.downSince).toBe(5);
    health.record("call", "throttled", 8, 9);
    expect(health.down).toBe(false);
  });

  it("counts the failures of calls sent side by side as one: a round of concurrent outages is not three in a row", () => {
    const health = new PartnerHealth();
    for (let call = 0; call < 25; call++) health.record("call", "outage", 100, 200 + call);
    expect(health.down).toBe(false);
    health.record("call", "outage", 300, 400);
    health.record("call", "outage", 500, 600);
    expect(health.down).toBe(true);
  });

  it("takes a lone 500 among answers for the message's, not the partner's", () => {
    const health = new PartnerHealth();
    ["outage", "answered", "outage", "outage", "answered", "outage"].forEach((outcome, at) =>
      health.record("call", outcome as "outage" | "answered", at * 10, at * 10 + 5),
    );
    expect(health.down).toBe(false);
  });

  it("while down, refuses calls within a probe interval of the last outage, then lets one trial through", async () => {
    vi.stubEnv("PARTNER_PROBE_SECONDS", "60");
    const health = downHealth(1_000);

    await expect(health.admit(false, () => 30_000)).rejects.toThrow(
      new PartnerUnreachableError("not attempted: the partner is down (its last calls all failed)"),
    );
    expect(await health.admit(false, () => 62_000)).toBe("trial");
  });

  it("lets the trial through a full probe interval after the last outage, not a moment later", async () => {
    vi.stubEnv("PARTNER_PROBE_SECONDS", "60");
    const health = downHealth(1_000);
    const lastOutageAt = 1_000 + 2 * (DOWN_AFTER_OUTAGES - 1) + 1;

    expect(await health.admit(false, () => lastOutageAt + 60_000)).toBe("trial");
  });

  it("takes a call sent at the very moment an outage was learnt for the same round as that outage", () => {
    const health = new PartnerHealth();
    health.record("call", "outage", 0, 10);
    health.record("call", "outage", 10, 20);
    health.record("call", "outage", 20, 30);
    expect(health.down).toBe(false);
  });

  it("lets the probe's trial through at once", async () => {
    vi.stubEnv("PARTNER_PROBE_SECONDS", "60");
    expect(await downHealth(1_000).admit(true, () => 2_000)).toBe("trial");
  });

  it("holds the calls that come during a trial until it ends: sent if it was answered, refused if not", async () => {
    const answered = downHealth(0);
    await answered.admit(true);
    const waiting = answered.admit();
    answered.record("trial", "answered", performance.now());
    expect(await waiting).toBe("call");

    const failed = downHealth(performance.now());
    await failed.admit(true);
    const refused = failed.admit().catch((error: unknown) => error);
    failed.record("trial", "outage", performance.now());
    expect(await refused).toBeInstanceOf(PartnerUnreachableError);
  });

  it("keeps the calls waiting for the trial when a call let through before the partner went down fails meanwhile", async () => {
    const health = downHealth(0);
    await health.admit(true);
    const waiting = health.admit();
    health.record("call", "outage", 0, performance.now());
    // Gives a waiter the late outage had wrongly woken the time to be refused.
    await new Promise((resolve) => setImmediate(resolve));
    health.record("trial", "answered", performance.now());
    expect(await waiting).toBe("call");
  });
});
