// Runs one deployed Lambda bundle the way the Node.js runtime does: imports index.mjs once (a cold start),
// then invokes `handler(event, context)` for each event the parent sends over IPC and sends back the result.
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";

const [bundle, functionName, timeoutSeconds] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);

process.on("message", async ({ id, event }) => {
  const deadline = Date.now() + Number(timeoutSeconds) * 1000;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    process.send({ id, result: await handler(event, context) });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
});
process.send({ ready: true });
