import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { readRelayContext } from "../../infra/context.js";
import { CdpRelayStack, REPOSITORY_ROOT } from "../../infra/stack.js";

/** Feature flags and defaults from cdk.json, so the tests see the template `cdk deploy` would. */
const CDK_JSON_CONTEXT = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, "cdk.json"), "utf8")).context as Record<string, unknown>;

export interface SynthesizedRelay {
  app: App;
  stack: CdpRelayStack;
  template: Template;
  /** The cloud assembly directory: holds each function's bundle as asset.<hash>/index.mjs. */
  outdir: string;
  remove(): void;
}

/** Builds the stack the way infra/app.ts does, from CDK context, into a temporary cdk.out; bundles the real functions/ with esbuild. */
export function synthesizeRelay(context: Record<string, unknown> = {}): SynthesizedRelay {
  const outdir = mkdtempSync(path.join(tmpdir(), "cdp-relay-synth-"));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...context } });
  const stack = new CdpRelayStack(app, "CdpRelay", readRelayContext(app.node));
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir, remove: () => rmSync(outdir, { recursive: true, force: true }) };
}

export type CfnResource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
export type CfnTemplate = { Resources: Record<string, CfnResource> };

export interface DeployedFunction {
  /** The functions/ file name (from the Description `cdp-relay <name>`). */
  name: string;
  logicalId: string;
  roleId: string;
  assetDir: string;
  variables: Record<string, unknown>;
  timeoutSeconds: number;
  memorySize: number;
}

/** Every Lambda function of a synthesized template, with its role, bundle directory and environment. */
export function deployedFunctions(relay: SynthesizedRelay): DeployedFunction[] {
  const { Resources } = relay.template.toJSON() as CfnTemplate;
  return Object.entries(Resources)
    .filter(([, resource]) => resource.Type === "AWS::Lambda::Function")
    .map(([logicalId, { Properties }]) => ({
      name: String(Properties.Description).replace(/^cdp-relay /, ""),
      logicalId,
      roleId: (Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0],
      // The Code's S3 key is the asset hash; cdk.out keeps the bundle in asset.<hash>/.
      assetDir: path.join(relay.outdir, `asset.${String((Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, "")}`),
      variables: (Properties.Environment as { Variables: Record<string, unknown> }).Variables,
      timeoutSeconds: Number(Properties.Timeout),
      memorySize: Number(Properties.MemorySize),
    }));
}
