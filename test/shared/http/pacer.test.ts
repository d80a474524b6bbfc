import { describe, expect, it } from "vitest";
import { PartnerThrottledError } from "../../../shared/errors.js";
import { MAX_PACE_WAIT_MS, PACE_RECOVERY_SECONDS, Pacer, type PacerClock } from "../../../shared/http/pacer.js";
import { defined } from "../../support/defined.js";

/** A clock that only moves when the pacer sleeps or the test advances it, recording each sleep. */
function manualClock(start = 1_000_000): PacerClock & { advance(ms: number): void; sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      // The pacer sleeps only until a turn ahead; any other sleep would spin (the clock would never reach the turn).
      if (!(ms > 0)) throw new RangeError(`the pacer slept ${ms} ms`);
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => void (now += ms),
    sleeps,
  };
}

describe("Pacer", () => {
  it("lets every call through at once while the partner has not answered 429", async () => {
    const clock = manualClock();
    const pacer = new Pacer(clock);
    for (let call = 0; call < 50; call++) await pacer.turn();
    expect(clock.sleeps).toEqual([]);
    expect(pacer.pace()).toBeUndefined();
  });

  it("sends nothing before Retry-After, and halves the pace it measured", async () => {
    const clock = manualClock();
    const pacer = new Pacer(clock);
    let startedAt = 0;
    for (let call = 0; call < 10; call++) startedAt = await pacer.turn();

    pacer.throttled(startedAt, 2);
    const next = await pacer.turn();

    expect(next - startedAt).toBe(2_000);
    // Ten calls in the last second drew the 429: five a second now, growing back over PACE_RECOVERY_SECONDS.
    expect(pacer.pace(startedAt)).toBe(5);
    expect(await pacer.turn()).toBe(next + 1000 / defined(pacer.pace(next)));
  });

  it("halves once per round: 429s of calls sent before the decrease do not halve it again", async () => {
    const clock = manualClock();
    const pacer = new Pacer(clock);
    const starts = [];
    for (let call = 0; call < 8; call++) starts.push(await pacer.turn());

    for (const startedAt of starts) pacer.throttled(startedAt);

    expect(pacer.pace()).toBe(4);
  });

  it("grows back: near the pace that drew the 429 after PACE_RECOVERY_SECONDS, unlimited soon after", async () => {
    const clock = manualClock();
    const pacer = new Pacer(clock);
    for (let call = 0; call < 20; call++) await pacer.turn();
    pacer.throttled(clock.now());
    const at = (seconds: number) => pacer.pace(clock.now() + seconds * 1000);

    expect(at(0)).toBe(10);
    expect(at(1)).toBeGreaterThan(15);
    expect(at(PACE_RECOVERY_SECONDS)).toBe(20);
    expect(at(PACE_RECOVERY_SECONDS + 1)).toBeLessThan(21);
    expect(at(PACE_RECOVERY_SECONDS * 3)).toBeUndefined();
  });

  it("refuses a turn further off than it may wait, as throttled, with the wait as Retry-After", async () => {
    const clock = manualClock();
    const pacer = new Pacer(clock);
    pacer.throttled(await pacer.turn(), 60);

    const refused = await pacer.turn().catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(PartnerThrottledError);
    expect(refused).toMatchObject({
      errorClass: "retryable",
      retryAfterSeconds: 60,
      message: "not sent: the partner asked to slow down, next turn in 60 s",
    });
    expect(clock.sleeps).toEqual([]);
    expect(MAX_PACE_WAIT_MS).toBeLessThan(60_000);
  });

  it("waits for a turn exactly as far off as it may wait", async () => {
    const clock = manualClock();
    const pacer = new Pacer(clock);
    const startedAt = await pacer.turn();
    pacer.throttled(startedAt, MAX_PACE_WAIT_MS / 1000);

    expect(await pacer.turn()).toBe(startedAt + MAX_PACE_WAIT_MS);
    expect(clock.sleeps).toEqual([MAX_PACE_WAIT_MS]);
  });

  it("blocks nothing on a 429 without Retry-After: the next call goes at once, the one after at the halved pace", async () => {
    const clock = manualClock();
    const pacer = new Pacer(clock);
    let startedAt = 0;
    for (let call = 0; call < 8; call++) startedAt = await pacer.turn();

    pacer.throttled(startedAt);

    expect(await pacer.turn()).toBe(startedAt);
    expect(await pacer.turn()).toBe(startedAt + 1000 / 4);
    expect(clock.sleeps).toEqual([1000 / 4]);
  });

  it("halves the pace of the last second only: calls a second or more before the 429 do not count", async () => {
    const clock = manualClock();
    const pacer = new Pacer(clock);
    for (let call = 0; call < 10; call++) await pacer.turn();
    clock.advance(500);
    let startedAt = 0;
    for (let call = 0; call < 4; call++) startedAt = await pacer.turn();
    // The first ten calls are now exactly a second old.
    clock.advance(500);

    pacer.throttled(startedAt);

    expect(pacer.pace()).toBe(2);
  });
});
