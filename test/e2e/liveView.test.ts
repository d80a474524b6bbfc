import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import { NPM_START_ENVIRONMENT } from "../../infra/local/npmStartEnvironment.js";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS } from "../../infra/local/sandboxes/pushwoosh.js";
import { structuredLogs } from "../support/logCapture.js";

/**
 * The live view in a real browser: Debian's Chromium driven by playwright-core (which downloads no
 * browser). Where no Chromium is installed the suite is skipped, saying so; CI installs it (.ci/run).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOT = new URL("../../docs/images/live-view.png", import.meta.url);
/** Element waits: bounds for a failure, not performance claims (the measured latencies are printed), so
 * generous enough for a two-core machine under a full suite; a redrive alone took over 15 s there. */
const SEEN_WITHIN_MS = 30_000;
const PARKED_WITHIN_MS = 45_000;

const BRAZE_USER = "live-braze-user";
const FIREHOSE_USER = "live-firehose-user";
const FAULT_USER = "live-fault-user";
const PUSHWOOSH_TOKEN = DEVELOPMENT_PUSHWOOSH_CREDENTIALS.apiToken;
/** A 64-bit mpid: as a JavaScript number it would read -8433569191518584000, another user. */
const MPID = "-8433569191518584284";
/** An mParticle Webhook batch as sent: its mpid is a number literal, exact only in the text. */
const WEBHOOK_BATCH_TEXT = `{"environment":"production","mpid":${MPID},"user_identities":{"customer_id":"live-webhook-user"},
  "device_info":{"platform":"iOS"},"events":[{"event_type":"screen_view","data":{"screen_name":"Home","timestamp_unixtime_ms":1714592742000}}]}`;

const brazeBatch = {
  events: [
    {
      id: "5e1f0c8a-0000-4000-8000-00000000b001",
      event_type: "users.messages.pushnotification.Send",
      time: 1714592744,
      user: { user_id: "u-live", external_user_id: BRAZE_USER },
      properties: { platform: "ios", campaign_name: "Live view" },
    },
  ],
};

/** A Firehose batch with one `Level Up` event, an event the Pushwoosh sandbox's development application has. */
function firehoseBatch(id: string, userId: string) {
  return {
    type: "event_processing_request",
    id,
    timestamp_ms: 1714592744066,
    firehose_version: "3.2.0",
    account: { account_id: 123456, account_settings: { applicationCode: DEVELOPMENT_PUSHWOOSH_CREDENTIALS.applicationCode, apiToken: PUSHWOOSH_TOKEN } },
    user_identities: [{ type: "customer", encoding: "raw", value: userId }],
    events: [{ type: "custom_event", id: `${id}-e1`, timestamp_ms: 1714592744066, name: "Level Up", attributes: { level: "7" } }],
  };
}

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? "the live view in headless Chromium"
    : `the live view in headless Chromium: SKIPPED, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  // Room for every element wait in a test to take its whole bound.
  { timeout: 240_000 },
  () => {
    let stack: LocalStack;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      // npm start's environment with a shorter retry base, to keep the test quick; the npm start defaults
      // themselves are tested in test/infra/local/live/liveApi.test.ts.
      stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, env: { ...NPM_START_ENVIRONMENT, RETRY_BASE_SECONDS: "0.1" } });
      // playwright gives each launch a fresh temporary profile (--user-data-dir) and removes it on close.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(stack.liveUrl);
      await page.locator("#connection", { hasText: "live" }).waitFor();
    });
    afterAll(async () => {
      await browser?.close();
      await stack?.stop();
    });

    async function post(path: string, correlationId: string, authorization: string, body: unknown): Promise<number> {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization, "x-correlation-id": correlationId },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      await response.text();
      return response.status;
    }

    /**
     * The screenshot in README and docs/operations.md, taken with a message parked. Rewritten only when
     * asked (LIVE_VIEW_SCREENSHOT=update) or missing, so a test run leaves the working tree as it was.
     */
    async function screenshot(focus: Locator): Promise<void> {
      await focus
        .locator(".call")
        .first()
        .locator("details")
        .evaluateAll((nodes) => nodes.forEach((node) => ((node as unknown as { open: boolean }).open = true)));
      const png = await page.screenshot();
      expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
      if (process.env.LIVE_VIEW_SCREENSHOT === "update" || !existsSync(SCREENSHOT)) {
        await mkdir(new URL(".", SCREENSHOT), { recursive: true });
        await writeFile(SCREENSHOT, png);
      }
    }

    const card = (correlationId: string) => page.locator(`.card[data-correlation-id="${correlationId}"]`);
    const callOf = (correlationId: string, partner: string) => card(correlationId).locator(`.call[data-partner="${partner}"]`);

    it("shows a Braze batch and a Firehose batch, their work items and their partner calls with redacted bodies", async () => {
      const started = Date.now();
      expect(await post("/braze/currents", "live-braze", `Bearer ${stack.secrets.inbound.brazeToken}`, brazeBatch)).toBe(200);
      expect(
        await post(
          "/mparticle/events",
          "live-firehose",
          `Token ${stack.secrets.inbound.mparticleToken}`,
          firehoseBatch("b3d9def7-0000-4650-87b1-000000000001", FIREHOSE_USER),
        ),
      ).toBe(200);

      const pushwooshCall = callOf("live-firehose", "pushwoosh");
      await pushwooshCall.waitFor({ timeout: SEEN_WITHIN_MS });
      const pushwooshSeenMs = Date.now() - started;
      await callOf("live-braze", "mparticle").waitFor({ timeout: SEEN_WITHIN_MS });
      await callOf("live-braze", "mixpanel").waitFor({ timeout: SEEN_WITHIN_MS });
      const allSeenMs = Date.now() - started;
      console.log(
        `live view: Pushwoosh call on the page ${pushwooshSeenMs} ms after the POST; all three partners' calls after ${allSeenMs} ms (mParticle and Mixpanel wait out the 1 s batching window)`,
      );

      // The inbound requests: route, status, event count, and the credentials gone from the body.
      const firehose = card("live-firehose");
      await expect(firehose.locator("h3").textContent()).resolves.toMatch(/200\s*POST \/mparticle\/events.*1 event\(s\)/);
      const inbound = await firehose.locator(".inbound-body").textContent();
      expect(inbound).toContain('"apiToken": "[REDACTED]"');
      expect(inbound).toContain('"applicationCode": "[REDACTED]"');
      await expect(card("live-braze").locator("h3").textContent()).resolves.toMatch(/POST \/braze\/currents/);

      // The work items each request became.
      expect(
        await card("live-braze")
          .locator(".work-item")
          .evaluateAll((items) => items.map((item) => item.getAttribute("data-destination")).sort()),
      ).toEqual(["mixpanel", "mparticle"]);
      expect(await firehose.locator(".work-item").getAttribute("data-destination")).toBe("pushwoosh");

      // The partner calls: what was sent and what came back.
      expect(await pushwooshCall.textContent()).toMatch(/200\s*POST http:\/\/127\.0\.0\.1:\d+\/json\/1\.3\/postEvent/);
      expect(JSON.parse((await pushwooshCall.locator(".request-body").textContent()) ?? "")).toEqual({
        request: {
          application: "ABCDE-12345",
          userId: FIREHOSE_USER,
          event: "Level Up",
          attributes: { level: 7 },
          timestampUTC: 1714592744,
          timestampCurrent: 1714592744,
        },
      });
      expect(await pushwooshCall.locator(".answer").textContent()).toContain('"status_code": 200');
      const mixpanelBody = JSON.parse((await callOf("live-braze", "mixpanel").locator(".request-body").textContent()) ?? "") as Array<{
        event: string;
        properties: Record<string, unknown>;
      }>;
      expect(mixpanelBody).toEqual([
        expect.objectContaining({ event: "Push Notification Send", properties: expect.objectContaining({ distinct_id: BRAZE_USER }) }),
      ]);
      const mparticleBody = await callOf("live-braze", "mparticle").locator(".request-body").textContent();
      expect(mparticleBody).toContain('"customer_id": "' + BRAZE_USER + '"');

      // No credential anywhere on the page.
      const html = await page.content();
      for (const secret of [PUSHWOOSH_TOKEN, stack.secrets.inbound.brazeToken, stack.secrets.inbound.mparticleToken, "dev-ios-key", "dev-ios-secret"])
        expect(html).not.toContain(secret);

      // Filters: by user id, then by partner.
      await page.fill("#filter-user", BRAZE_USER);
      await expect
        .poll(() => page.locator(".card").evaluateAll((cards) => cards.map((node) => node.getAttribute("data-correlation-id"))))
        .toEqual(["live-braze"]);
      await page.fill("#filter-user", "");
      await page.selectOption("#filter-partner", "pushwoosh");
      await expect
        .poll(() => page.locator(".card").evaluateAll((cards) => cards.map((node) => node.getAttribute("data-correlation-id"))))
        .toEqual(["live-firehose"]);
      await page.selectOption("#filter-partner", "");
      await page.selectOption("#filter-route", "/braze/currents");
      await expect.poll(() => page.locator(".card").count()).toBe(1);
      await page.selectOption("#filter-route", "");
    });

    it("shows a 64-bit mpid sent as a number literal exactly as sent, as one user", async () => {
      await post("/mparticle/webhook", "live-mpid", stack.secrets.inbound.mparticleWebhookAuthorization ?? "", WEBHOOK_BATCH_TEXT);
      const webhook = card("live-mpid");
      await webhook.waitFor({ timeout: SEEN_WITHIN_MS });

      expect(await webhook.locator(".users").textContent()).toBe(`users ${MPID}, live-webhook-user`);
      expect(await webhook.locator(".inbound-body").textContent()).toContain(`"mpid": ${MPID},`);
      expect(await page.content()).not.toContain(String(Number(MPID)));
      await page.fill("#filter-user", MPID);
      await expect
        .poll(() => page.locator(".card").evaluateAll((cards) => cards.map((node) => node.getAttribute("data-correlation-id"))))
        .toEqual(["live-mpid"]);
      await page.fill("#filter-user", "");
    });

    it("switches a 401 on from the page, shows the retries and the parked message, and redrives it from the page", async () => {
      const pushwooshSwitch = page.locator('.switch[data-partner="pushwoosh"]');
      await pushwooshSwitch.locator("select").selectOption("401");
      await pushwooshSwitch.locator('[data-action="fault-on"]').click();
      await pushwooshSwitch.locator(".state", { hasText: "every call: 401" }).waitFor();

      expect(
        await post(
          "/mparticle/events",
          "live-fault",
          `Token ${stack.secrets.inbound.mparticleToken}`,
          firehoseBatch("b3d9def7-0000-4650-87b1-000000000002", FAULT_USER),
        ),
      ).toBe(200);
      const faulted = card("live-fault");
      await faulted.locator(".tag.retry").first().waitFor({ timeout: PARKED_WITHIN_MS });
      await faulted.locator(".tag.parked", { hasText: "parked: credentials" }).waitFor({ timeout: PARKED_WITHIN_MS });
      const attempts = await faulted.locator('.call[data-status="401"] .tag:not(.fault)').allTextContents();
      expect(attempts.sort()).toEqual([
        "pushwoosh · attempt 1",
        "pushwoosh · attempt 2",
        "pushwoosh · attempt 3",
        "pushwoosh · attempt 4",
        "pushwoosh · attempt 5",
      ]);
      expect(await faulted.locator(".call .tag.fault").first().textContent()).toBe("injected 401");

      const parkedRow = page.locator('.parked-queue[data-queue="pushwoosh"] .parked-entry[data-correlation-id="live-fault"]');
      await parkedRow.waitFor({ timeout: SEEN_WITHIN_MS });
      expect(await parkedRow.textContent()).toContain("credentials");
      await screenshot(faulted);
      expect(structuredLogs("ERROR")).toContainEqual(
        expect.objectContaining({ message: "work item parked in the DLQ", correlationId: "live-fault", reason: "credentials" }),
      );

      // Fix the "credentials", then redrive from the page: the message is delivered on its next attempt.
      await pushwooshSwitch.locator('[data-action="fault-off"]').click();
      await pushwooshSwitch.locator(".state", { hasText: "answering normally" }).waitFor();
      await page.locator('[data-action="redrive"][data-queue="pushwoosh"]').click();
      await page.locator("#notice-list .notice", { hasText: /redrive pushwoosh:[\s\S]*Moved 1 message/ }).waitFor({ timeout: SEEN_WITHIN_MS });
      await faulted.locator('.call[data-status="200"]').waitFor({ timeout: SEEN_WITHIN_MS });
      await faulted.locator(".tag", { hasText: "redriven ×1" }).waitFor();
      await page.locator("#parked-list", { hasText: "No parked messages." }).waitFor({ timeout: SEEN_WITHIN_MS });
      expect(stack.sandboxes.pushwoosh?.events.filter((event) => event.userId === FAULT_USER)).toHaveLength(1);
    });
  },
);
