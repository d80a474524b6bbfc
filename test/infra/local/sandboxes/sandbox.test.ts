import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../../support/waitFor.js";
import { PartnerSandbox, type Fault, type FaultPlan } from "../../../../infra/local/sandboxes/sandbox.js";

/** A partner that counts what it processed, so a lost answer can be told from an unprocessed request. */
function countingSandbox(): { sandbox: PartnerSandbox; processed: string[] } {
  const processed: string[] = [];
  const sandbox = new PartnerSandbox("counting", (request) => {
    processed.push(request.body.toString("utf8"));
    return { status: 200, body: { ok: true } };
  });
  return { sandbox, processed };
}

async function send(base: string, body: string, timeoutMs = 300): Promise<number | "no answer"> {
  try {
    const response = await fetch(`${base}/api`, { method: "POST", body, signal: AbortSignal.timeout(timeoutMs) });
    return response.status;
  } catch {
    return "no answer";
  }
}

const KINDS: Fault[] = [{ kind: "status", status: 503 }, { kind: "reset" }, { kind: "status", status: 429, retryAfterSeconds: 1 }];
const plan = (seed: number): FaultPlan => ({
  seed,
  choose: (random) => (random() < 0.5 ? KINDS[Math.floor(random() * KINDS.length)] : undefined),
});

describe("the sandbox base", () => {
  const started: PartnerSandbox[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((sandbox) => sandbox.stop()));
  });

  it("replays a fault plan: the same seed gives each request the same faults, whatever the order of the calls", async () => {
    const bodies = Array.from({ length: 30 }, (_, n) => `request-${n}`);
    const faultsBy = async (seed: number, order: string[]) => {
      const { sandbox } = countingSandbox();
      started.push(sandbox);
      const base = await sandbox.start(0);
      sandbox.setFaultPlan(plan(seed));
      for (const body of order) await send(base, body);
      for (const body of order) await send(base, body);
      const faults = new Map<string, string[]>();
      for (const call of sandbox.calls) faults.set(call.body.toString(), [...(faults.get(call.body.toString()) ?? []), JSON.stringify(call.fault ?? null)]);
      return faults;
    };

    const forward = await faultsBy(7, bodies);
    const backward = await faultsBy(7, [...bodies].reverse());
    const otherSeed = await faultsBy(8, bodies);

    expect([...forward.entries()].sort()).toEqual([...backward.entries()].sort());
    expect([...forward.values()].flat().filter((fault) => fault !== "null").length).toBeGreaterThan(5);
    expect([...forward.entries()].sort()).not.toEqual([...otherSeed.entries()].sort());
  });

  it("records a fault after processing as processed with its answer, but no answer reached the client", async () => {
    const { sandbox, processed } = countingSandbox();
    started.push(sandbox);
    const base = await sandbox.start(0);
    sandbox.injectFaults(
      { kind: "reset", afterProcessing: true },
      { kind: "delay", ms: 600, afterProcessing: true },
      { kind: "delay", ms: 600 },
      { kind: "reset" },
    );

    const outcomes = [await send(base, "a"), await send(base, "b"), await send(base, "c"), await send(base, "d")];
    await waitFor(() => sandbox.calls.length === 4 && sandbox.calls.every((call) => call.status !== 0), 5_000, "the held calls to finish");

    expect(outcomes).toEqual(["no answer", "no answer", "no answer", "no answer"]);
    expect(processed).toEqual(["a", "b"]);
    expect(sandbox.calls.map((call) => [call.body.toString(), call.status, call.answer?.status])).toEqual([
      ["a", "reset", 200],
      ["b", "reset", 200],
      ["c", "reset", undefined],
      ["d", "reset", undefined],
    ]);
  });

  it("enforces a rate: beyond one second's worth of calls, 429 with Retry-After, and the partner never sees them", async () => {
    const { sandbox, processed } = countingSandbox();
    started.push(sandbox);
    const base = await sandbox.start(0);
    sandbox.enforceRate(3);

    const statuses = await Promise.all(Array.from({ length: 5 }, (_, n) => send(base, `burst-${n}`, 5_000)));

    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    expect(processed).toHaveLength(3);
    const throttled = sandbox.calls.filter((call) => call.status === 429);
    expect(throttled.map((call) => call.answer?.headers)).toEqual([{ "retry-after": "1" }, { "retry-after": "1" }]);
    sandbox.enforceRate(undefined);
    expect(await send(base, "after", 5_000)).toBe(200);
  });

  it("ends an outage of a set length by itself", async () => {
    const { sandbox } = countingSandbox();
    started.push(sandbox);
    const base = await sandbox.start(0);
    sandbox.setFaultRate(1, [{ kind: "status", status: 503 }], { forMs: 60_000 });
    expect(await send(base, "during", 5_000)).toBe(503);
    expect(sandbox.faultState()).toMatchObject({ rate: 1, until: expect.any(Number) });

    sandbox.setFaultRate(1, [{ kind: "status", status: 503 }], { forMs: 0 });
    expect(await send(base, "after", 5_000)).toBe(200);
    expect(sandbox.faultState()).toMatchObject({ rate: 0, faults: [] });
    expect(sandbox.faultState().until).toBeUndefined();
  });
});
