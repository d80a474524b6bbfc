import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** A Lambda context as the runtime builds it, with a real deadline. */
export function lambdaContext(functionName: string, timeoutSeconds: number, region: string): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const qualifiedName = `cdp-relay-${functionName}`;
  const unsupported = () => {
    throw new Error("callback-style completion is not used by cdp-relay handlers");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: qualifiedName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${qualifiedName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${qualifiedName}`,
    logStreamName: `local/${new Date().toISOString().slice(0, 10)}/[$LATEST]${randomUUID().replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
