import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import type { PushwooshSandbox } from "../../infra/local/sandboxes/pushwoosh.js";

/** The local stack for the mParticle → Pushwoosh end-to-end tests (both doors), with its Pushwoosh sandbox. */
export async function startPushwooshStack(): Promise<{ stack: LocalStack; pushwoosh: PushwooshSandbox }> {
  const stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, env: { RETRY_BASE_SECONDS: "1" } });
  const pushwoosh = stack.sandboxes.pushwoosh;
  if (!pushwoosh) {
    await stack.stop();
    throw new Error("the local stack started no Pushwoosh sandbox");
  }
  return { stack, pushwoosh };
}
