#!/usr/bin/env node
// The CLI runs from a clone (npx cdp-relay ...): TypeScript sources through tsx, no build step.
import { register } from "tsx/esm/api";

// The SDK's nine-line notice about Node versions of 2027 would bury the one line an operator needs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
