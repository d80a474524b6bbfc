import { describe, expect, it } from "vitest";
import { PartnerUnreachableError } from "../../../shared/errors.js";
import { guardPartnerCalls, type PartnerCallGuard, type PartnerCallResult } from "../../../shared/http/partnerCallGuard.js";
import { partnerRequest } from "../../../shared/http/partnerRequest.js";
import { closedPort } from "../../support/closedPort.js";
import { useLocalServer } from "../../support/localServer.js";

/** A guard that admits every call with a numbered ticket and keeps what each settled with. */
function recordingGuard(): PartnerCallGuard<number> & { settled: Array<{ ticket: number; result: PartnerCallResult }> } {
  let tickets = 0;
  const settled: Array<{ ticket: number; result: PartnerCallResult }> = [];
  return {
    settled,
    admit: async () => ++tickets,
    settle: (ticket, result) => void settled.push({ ticket, result }),
  };
}

describe("partner calls under a guard (shared/http/partnerCallGuard.ts)", () => {
  const received: string[] = [];
  // /<status> answers that status; a 429 or 503 asks for 7 seconds.
  const local = useLocalServer((request, response) => {
    received.push(String(request.url));
    const status = Number(request.url?.slice(1));
    response.writeHead(status, status === 429 || status === 503 ? { "retry-after": "7" } : {}).end("{}");
  });

  it("settles each answered call with its ticket, by status, with the Retry-After the partner sent", async () => {
    const guard = recordingGuard();

    const statuses = await guardPartnerCalls(guard, async () => {
      const answers = [];
      for (const status of [200, 400, 429, 503])
        answers.push((await partnerRequest("test", { method: "GET", url: `${local.url}/${status}`, headers: {} })).status);
      return answers;
    });

    expect(statuses).toEqual([200, 400, 429, 503]);
    expect(guard.settled).toEqual([
      { ticket: 1, result: { outcome: "answered", retryAfterSeconds: undefined } },
      { ticket: 2, result: { outcome: "answered", retryAfterSeconds: undefined } },
      { ticket: 3, result: { outcome: "throttled", retryAfterSeconds: 7 } },
      { ticket: 4, result: { outcome: "outage", retryAfterSeconds: 7 } },
    ]);
  });

  it("settles a call that got no answer as an outage, and still fails it", async () => {
    const guard = recordingGuard();
    const url = `http://127.0.0.1:${await closedPort()}/import`;

    const error = await guardPartnerCalls(guard, () => partnerRequest("test", { method: "POST", url, headers: {}, body: "{}" })).catch(
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(PartnerUnreachableError);
    expect(guard.settled).toEqual([{ ticket: 1, result: { outcome: "outage" } }]);
  });

  it("sends nothing a guard refuses, and settles nothing for it", async () => {
    const refused = new PartnerUnreachableError("not attempted: the partner is down");
    const guard = { ...recordingGuard(), admit: () => Promise.reject(refused) };
    received.length = 0;

    await expect(guardPartnerCalls(guard, () => partnerRequest("test", { method: "GET", url: `${local.url}/200`, headers: {} }))).rejects.toBe(refused);

    expect(received).toEqual([]);
    expect(guard.settled).toEqual([]);
  });
});
