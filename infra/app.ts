import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { STACK_NAME_CONTEXT, readRelayContext } from "./context.js";
import { DEFAULT_STACK_NAME } from "./outputs.js";
import { CdpRelayStack } from "./stack.js";

const app = new App();
const stackName: string = app.node.tryGetContext(STACK_NAME_CONTEXT) ?? DEFAULT_STACK_NAME;
new CdpRelayStack(app, stackName, {
  ...readRelayContext(app.node),
  description: "cdp-relay: mParticle and Braze Currents webhooks to Pushwoosh, mParticle and Mixpanel",
});
// cdk-nag v3 is a policy validation plugin: any unacknowledged finding fails synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
