import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** The name a function of the wiring has locally (AWS_LAMBDA_FUNCTION_NAME, the context's functionName). */
export function localFunctionName(functionName: string): string {
  return `cdp-relay-${functionName}`;
}

/** The local ARN of a function (its context's invokedFunctionArn, its event source mapping's FunctionArn). */
export function localFunctionArn(functionName: string, region: string): string {
  return `arn:aws:lambda:${region}:000000000000:function:${localFunctionName(functionName)}`;
}

/** A Lambda context as the runtime builds it, with a real deadline. */
export function lambdaContext(functionName: string, timeoutSeconds: number, region: string): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const qualifiedName = localFunctionName(functionName);
  const unsupported = () => {
    throw new Error("callback-style completion is not used by cdp-relay handlers");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: qualifiedName,
    functionVersion: "$LATEST",
    invokedFunctionArn: localFunctionArn(functionName, region),
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
