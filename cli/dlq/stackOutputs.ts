import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { outputKeyForQueue } from "../../infra/outputs.js";
import type { Destination } from "../../shared/queue/definition.js";
import { createCloudFormationClient, type AwsTarget } from "./aws.js";

/**
 * The destination's DLQ URL, read from a deployed stack's outputs, and its source queue URL (looked up
 * only when asked: listing a DLQ must not depend on the other output).
 */
export async function queueUrlsFromStack(
  stackName: string,
  destination: Destination,
  target: AwsTarget,
): Promise<{ deadLetterQueueUrl: string; queueUrl(): string }> {
  const result = await createCloudFormationClient(target).send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((result.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const lookup = (dlq: boolean): string => {
    const key = outputKeyForQueue(destination, dlq);
    const url = outputs.get(key);
    if (!url) {
      const known = [...outputs.keys()].join(", ") || "none";
      throw new Error(`stack ${stackName} has no output ${key} (outputs: ${known})`);
    }
    return url;
  };
  return { deadLetterQueueUrl: lookup(true), queueUrl: () => lookup(false) };
}
