import { unconfiguredCredentials } from "../../shared/config/secrets.js";
import { HTTP_FUNCTIONS } from "../wiring.js";
import { startLocalStack, type LocalStack } from "./localStack.js";
import { applyNpmStartEnvironment } from "./npmStartEnvironment.js";
import { PortInUseError } from "./portInUse.js";

/** `npm start`: the whole connector on this machine, until Ctrl-C or SIGTERM. */
let stack: LocalStack | undefined = undefined;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping cdp-relay...`);
  await stack?.stop();
  console.log("stopped.");
  process.exit(0);
}
// Before anything listens: a signal during start-up still stops what has started (all in this process).
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

applyNpmStartEnvironment();
stack = await startLocalStack().catch((error: unknown) => {
  if (!(error instanceof PortInUseError)) throw error;
  // One line a person can act on, not a stack trace.
  console.error(`cdp-relay: ${error.message}`);
  process.exit(1);
});

const lines = [
  "",
  "cdp-relay is running locally.",
  `  health:        GET  ${stack.apiUrl}/health`,
  `  live view:     ${stack.liveUrl} (requests, work items, partner calls, fault switches)`,
  ...HTTP_FUNCTIONS.map(({ trigger }) => `  webhook:       ${trigger.method} ${stack?.apiUrl}${trigger.path}`),
  `  SQS endpoint:  ${stack.sqsEndpoint} (AWS_ENDPOINT_URL_SQS=${stack.sqsEndpoint} npx cdp-relay dlq list --queue mparticle)`,
  ...Object.entries(stack.sandboxes).map(([partner, sandbox]) => `  ${partner} sandbox: ${sandbox.url}`),
];
if (stack.developmentSecrets) {
  lines.push(
    "  development tokens (set RELAY_SECRETS_FILE to use your own document):",
    `    mParticle: Authorization: Token ${stack.secrets.inbound.mparticleToken}`,
    `    Braze:     Authorization: Bearer ${stack.secrets.inbound.brazeToken}`,
    `    mParticle Webhook: Authorization: ${stack.secrets.inbound.mparticleWebhookAuthorization ?? ""}`,
  );
}
for (const field of unconfiguredCredentials(stack.secrets)) {
  lines.push(`  WARNING: relay secret not configured: ${field} (missing, empty or a REPLACE_ME placeholder); routes that need it answer 503`);
}
lines.push("Press Ctrl-C to stop.", "");
console.log(lines.join("\n"));
