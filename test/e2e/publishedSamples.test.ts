import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveRecord } from "../../infra/local/live/recorder.js";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS } from "../../infra/local/sandboxes/pushwoosh.js";
import { DESTINATIONS } from "../../shared/queue/definition.js";
import { queueCounts } from "../support/embeddedSqs.js";
import { followLiveRecords, type LiveRecordFeed } from "../support/liveRecords.js";
import { structuredLogs } from "../support/logCapture.js";
import { waitFor } from "../support/waitFor.js";
import { defined } from "../support/defined.js";
import { holdLogLevel } from "../support/logLevel.js";

/**
 * The corpus of what the partners publish of what they send (test/fixtures/published/<partner>/, each
 * sample listed in its sources.json with its source and licence; docs/testing.md says how to add one).
 * Every sample goes through the real door of the local stack and on to the partner sandboxes, and must
 * end delivered, skipped or parked with a named reason: never a 4xx or 5xx.
 */
const CORPUS = new URL("../fixtures/published/", import.meta.url).pathname;
const PARTNERS = ["mparticle", "braze"] as const;

interface SampleSource {
  file: string;
  /** The route the partner sends this form to. */
  door: "/mparticle/webhook" | "/mparticle/events" | "/mparticle/audiences" | "/mparticle/registration" | "/braze/currents";
  /** "braze-event": one Currents event, sent as Braze sends it, in {"events":[…]}; "as-is": the whole body. */
  body: "as-is" | "braze-event";
  source: { url?: string; repository?: string; path?: string; commit?: string | null };
  licence: string;
  original?: string;
  transformation?: string | null;
}

type SourceOf = SampleSource & { partner: (typeof PARTNERS)[number] };
type Sample = SourceOf & { name: string; text: string };

function manifest(partner: (typeof PARTNERS)[number]): SourceOf[] {
  const { samples } = JSON.parse(readFileSync(join(CORPUS, partner, "sources.json"), "utf8")) as { samples: SampleSource[] };
  return samples.map((sample) => ({ ...sample, partner }));
}

const SOURCES = PARTNERS.flatMap(manifest);
const SAMPLES: Sample[] = SOURCES.map((source) => ({
  ...source,
  name: `${source.partner}/${source.file}`,
  text: readFileSync(join(CORPUS, source.partner, source.file), "utf8"),
}));

/** Every file of a partner's folder but its manifest, licences and the originals a sample was made from. */
function corpusFiles(partner: string): string[] {
  const folder = join(CORPUS, partner);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [relative(folder, join(dir, entry.name))],
    );
  return walk(folder).filter((file) => file !== "sources.json" && !file.startsWith("LICENSE") && !file.includes(".snippet."));
}

/**
 * The Firehose carries the Pushwoosh settings the customer typed in mParticle in `account.account_settings`;
 * the SDK's samples hold placeholders there, so the development application's are added, as text, so that
 * every other byte (64-bit ids included) stays as published.
 */
function withDevelopmentAccountSettings(text: string): string {
  const settings = JSON.stringify(DEVELOPMENT_PUSHWOOSH_CREDENTIALS).slice(1, -1);
  return text.replace(/("account_settings"\s*:\s*\{)/, `$1${settings},`);
}

interface Verdict {
  status: number;
  answer: unknown;
  workItems: string[];
  unsettled: string[];
  delivered: number;
  failedCalls: string[];
  skipped: string[];
  parked: string[];
}

const recordsOf = (records: LiveRecord[], correlationId: string) =>
  records.filter(
    (record) =>
      ("correlationId" in record && record.correlationId === correlationId) || (record.kind === "partnerCall" && record.correlationIds.includes(correlationId)),
  );

/** What became of one request, from the live view's records (work items, attempts, partner calls, parks) and the logs. */
function verdictOf(records: LiveRecord[], correlationId: string, status: number, answer: unknown): Verdict {
  const mine = recordsOf(records, correlationId);
  const workItems = [...new Set(mine.flatMap((record) => (record.kind === "workItem" ? [record.workItemId] : [])))];
  const settled = new Set(mine.flatMap((record) => (record.kind === "attempt" && record.outcome === "settled" ? [record.workItemId] : [])));
  const calls = mine.flatMap((record) => (record.kind === "partnerCall" ? [record] : []));
  const answered = (status: number | string) => typeof status === "number" && status >= 200 && status < 300;
  const skippedInAnswer = (answer as { skipped?: unknown } | undefined)?.skipped;
  const skipped = [
    ...(skippedInAnswer && typeof skippedInAnswer === "object" ? Object.keys(skippedInAnswer).map((reason) => `ingest: ${reason}`) : []),
    ...structuredLogs()
      .filter((line) => line.correlationId === correlationId && /skipped|not carried out|not managed/.test(String(line.message)))
      .map((line) => `${String(line.destination ?? "ingest")}: ${String(line.reason ?? line.message)}`),
  ];
  return {
    status,
    answer,
    workItems,
    unsettled: workItems.filter((id) => !settled.has(id)),
    delivered: calls.filter((call) => answered(call.status)).length,
    failedCalls: calls.filter((call) => !answered(call.status)).map((call) => `${call.partner} ${call.url} → ${call.status}`),
    skipped: [...new Set(skipped)],
    parked: mine.flatMap((record) =>
      record.kind === "parked" ? [`${record.destination}: ${record.reason}${record.message ? ` (${record.message})` : ""}`] : [],
    ),
  };
}

/** A request whose only answer is the door's own: no event in it asks for a partner call. */
function carriesNothingToSend(sample: Sample): boolean {
  if (sample.door === "/mparticle/registration") return true;
  if (sample.door !== "/braze/currents" || sample.body !== "as-is") return false;
  return sample.text.trim() === "" || (JSON.parse(sample.text) as { events?: unknown[] }).events?.length === 0;
}

describe("the published corpus", () => {
  it("lists every sample file in its partner's sources.json, with a source and a licence", () => {
    for (const partner of PARTNERS) {
      expect(corpusFiles(partner).sort()).toEqual(
        SOURCES.filter((source) => source.partner === partner)
          .map((source) => source.file)
          .sort(),
      );
    }
    for (const source of SOURCES) {
      expect(source.source.url ?? source.source.repository, source.file).toBeTruthy();
      expect(source.licence, source.file).toBeTruthy();
      if (source.original) expect(source.transformation, `${source.file} is made from ${source.original}: say how`).toBeTruthy();
    }
  });
});

describe("every published sample through the real door and on to the sandboxes", () => {
  let stack: LocalStack;
  let feed: LiveRecordFeed;
  let restoreLogLevel: (() => void) | undefined;
  const verdicts = new Map<string, Verdict>();

  async function post(sample: Sample, correlationId: string): Promise<{ status: number; answer: unknown }> {
    const { inbound } = stack.secrets;
    const headers: Record<string, string> = { "content-type": "application/json", "x-correlation-id": correlationId };
    let body = sample.text;
    if (sample.door === "/braze/currents") {
      headers.authorization = `Bearer ${inbound.brazeToken}`;
      headers["braze-currents-version"] = "1";
      if (sample.body === "braze-event") body = `{"events":[${sample.text}]}`;
    } else if (sample.door === "/mparticle/webhook") {
      headers.authorization = inbound.mparticleWebhookAuthorization ?? "";
    } else if (sample.door !== "/mparticle/registration") {
      headers.authorization = `Token ${inbound.mparticleToken}`;
      body = withDevelopmentAccountSettings(sample.text);
    }
    const response = await fetch(`${stack.apiUrl}${sample.door}`, { method: "POST", headers, body });
    const text = await response.text();
    let answer: unknown = text;
    try {
      answer = JSON.parse(text);
    } catch {
      // Kept as text: the verdict shows it.
    }
    return { status: response.status, answer };
  }

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, env: { RETRY_BASE_SECONDS: "1" } });
    // The handlers share this logger; at DEBUG the workers' and the doors' skip lines name their reasons.
    restoreLogLevel = holdLogLevel("DEBUG");
    feed = await followLiveRecords(stack.liveUrl);
    const answers = new Map<string, { status: number; answer: unknown }>();
    for (const [index, sample] of SAMPLES.entries()) answers.set(sample.name, await post(sample, `published-${index}`));
    const idle = async () => {
      for (const destination of DESTINATIONS) {
        const counts = await queueCounts(stack.sqs, stack.queueUrls[destination].queue);
        if (counts.visible + counts.inFlight + counts.delayed > 0) return false;
      }
      return true;
    };
    const current = () =>
      SAMPLES.map((sample, index) =>
        verdictOf(feed.records, `published-${index}`, defined(answers.get(sample.name)).status, defined(answers.get(sample.name)).answer),
      );
    // Settled: every work item of every request has its final verdict and no queue holds anything.
    // A sample that never settles is reported by its own test (unsettled work items), not by this hook.
    await waitFor(async () => current().every((verdict) => verdict.unsettled.length === 0) && (await idle()), 150_000, "every work item settled").catch(
      () => undefined,
    );
    for (const [index, verdict] of current().entries()) verdicts.set(defined(SAMPLES[index]).name, verdict);
    console.log(
      [
        `Published samples (${SAMPLES.length}):`,
        ...SAMPLES.map((sample) => {
          const v = defined(verdicts.get(sample.name));
          const outcome = [v.delivered ? `delivered ×${v.delivered}` : "", ...v.skipped.map((s) => `skipped ${s}`), ...v.parked.map((p) => `parked ${p}`)]
            .filter(Boolean)
            .join("; ");
          return `  ${v.status} ${sample.name}: ${outcome || "nothing"}${v.status >= 300 ? ` ${JSON.stringify(v.answer)}` : ""}`;
        }),
      ].join("\n"),
    );
  }, 240_000);

  afterAll(async () => {
    restoreLogLevel?.();
    feed?.stop();
    await stack?.stop();
  });

  it.each(SAMPLES.map((sample) => [sample.name, sample] as const))("%s ends delivered, skipped or parked with a reason, answered 2xx", (_name, sample) => {
    const verdict = defined(verdicts.get(sample.name));

    expect(verdict.status, `answer ${JSON.stringify(verdict.answer)}`).toBeGreaterThanOrEqual(200);
    expect(verdict.status, `answer ${JSON.stringify(verdict.answer)}`).toBeLessThan(300);
    expect(verdict.unsettled, "work items still waiting for a verdict").toEqual([]);
    expect((verdict.answer as { rejected?: number } | undefined)?.rejected ?? 0, "events the door rejected").toBe(0);
    expect(
      verdict.parked.every((parked) => /: \S/.test(parked)),
      `a park without a reason: ${verdict.parked.join(", ")}`,
    ).toBe(true);
    const accounted = verdict.delivered > 0 || verdict.skipped.length > 0 || verdict.parked.length > 0;
    expect(
      accounted || (carriesNothingToSend(sample) && verdict.workItems.length === 0),
      `nothing delivered, skipped or parked: ${JSON.stringify(verdict)}`,
    ).toBe(true);
    // A failed partner call ends in a retry or a park, both of which the checks above see.
    if (verdict.failedCalls.length > 0) expect(verdict.parked.length + verdict.delivered, verdict.failedCalls.join(", ")).toBeGreaterThan(0);
  });
});
