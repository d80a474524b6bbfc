#!/usr/bin/env node
// The CLI is one bundle of cli/ (`npm run build:cli`) that imports only the package's dependencies, so it
// runs on plain Node after `npm ci --omit=dev`.

// The SDK's nine-line notice about Node versions of 2027 would bury the one line an operator needs. Set
// before the bundle loads the SDK.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { main } = await import("./cdp-relay.bundle.mjs");
process.exitCode = await main(process.argv.slice(2));
