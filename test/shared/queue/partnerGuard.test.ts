import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PartnerUnreachableError } from "../../../shared/errors.js";
import { partnerRequest } from "../../../shared/http/partnerRequest.js";
import { emptyTally, PartnerGuard } from "../../../shared/queue/partnerGuard.js";
import { startTestPartner, type TestPartner } from "../../support/testPartner.js";

/** The guard around real partnerRequest calls to the partner stand-in: what it counts, what it sends, and its pace. */
describe("PartnerGuard", () => {
  let partner: TestPartner;

  beforeAll(async () => {
    partner = await startTestPartner();
  });
  afterEach(() => {
    Object.assign(partner, { state: "up", throttledCalls: 0, retryAfterSeconds: 1, calls: [] });
  });
  afterAll(async () => {
    await partner.stop();
  });

  const call = (n: number) => partnerRequest("test-partner", { method: "POST", url: partner.url, headers: {}, body: JSON.stringify({ n }) });

  it("counts each call's outcome, and slows its pace on a 429 only", async () => {
    const guard = new PartnerGuard();
    const tally = emptyTally();

    await guard.watch(() => call(1), tally);
    partner.state = "down";
    await guard.watch(() => call(2), tally);
    expect(tally).toEqual({ answered: 1, outage: 1, throttled: 0 });
    expect(guard.pacer.pace()).toBeUndefined();

    partner.state = "up";
    partner.throttledCalls = 1;
    partner.retryAfterSeconds = 0;
    await guard.watch(() => call(3), tally);
    expect(tally).toEqual({ answered: 1, outage: 1, throttled: 1 });
    expect(guard.pacer.pace()).toEqual(expect.any(Number));
  });

  it("holding everything sends nothing: each call fails as the partner being down, until the next probe", async () => {
    const tally = emptyTally();

    const refused = await new PartnerGuard().watch(() => call(1), tally, { refuseAll: true }).catch((error: unknown) => error);

    expect(refused).toEqual(new PartnerUnreachableError("not attempted: the partner is down (held until the next probe)"));
    expect(refused).toBeInstanceOf(PartnerUnreachableError);
    expect(partner.calls).toEqual([]);
    expect(tally).toEqual(emptyTally());
  });
});
