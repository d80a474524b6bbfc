import { GetEventSourceMappingCommand, LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from "@aws-sdk/client-lambda";
import { lambdaEndpoint, ownFunctionName } from "../config/settings.js";
import { queueName, type Destination } from "./definition.js";

// One client per container, built on first use and rebuilt if the endpoint changes (local stacks in one
// process); AWS_ENDPOINT_URL_LAMBDA points it at a Lambda API stand-in, as AWS_ENDPOINT_URL_SQS does for SQS.
let client: { endpoint: string | undefined; lambda: LambdaClient } | undefined;

function lambdaClient(): LambdaClient {
  const endpoint = lambdaEndpoint();
  if (!client || client.endpoint !== endpoint) client = { endpoint, lambda: new LambdaClient(endpoint ? { endpoint } : {}) };
  return client.lambda;
}

/** The mapping UUID per function and queue, found once per container. */
const mappingIds = new Map<string, string>();

/** The event source mapping that feeds this function from its destination's queue (a worker has exactly one). */
async function mappingId(destination: Destination): Promise<string> {
  const functionName = ownFunctionName();
  const key = `${functionName}\u001f${destination}`;
  const cached = mappingIds.get(key);
  if (cached) return cached;
  const queueArnSuffix = `:${queueName(destination)}`;
  let marker: string | undefined;
  do {
    const page = await lambdaClient().send(new ListEventSourceMappingsCommand({ FunctionName: functionName, Marker: marker }));
    const mapping = page.EventSourceMappings?.find((candidate) => candidate.EventSourceArn?.endsWith(queueArnSuffix));
    if (mapping?.UUID) {
      mappingIds.set(key, mapping.UUID);
      return mapping.UUID;
    }
    marker = page.NextMarker;
  } while (marker);
  throw new Error(`no event source mapping feeds ${functionName} from ${queueName(destination)}`);
}

/**
 * Whether the destination's queue is not being consumed: its mapping is Disabled or Disabling (Enabled,
 * Enabling and the update states consume).
 */
export async function consumptionPaused(destination: Destination): Promise<boolean> {
  const mapping = await lambdaClient().send(new GetEventSourceMappingCommand({ UUID: await mappingId(destination) }));
  return mapping.State === "Disabled" || mapping.State === "Disabling";
}

/** Stops Lambda from invoking this worker with its queue's messages: they wait in the queue, costing nothing. */
export async function pauseConsumption(destination: Destination): Promise<void> {
  await lambdaClient().send(new UpdateEventSourceMappingCommand({ UUID: await mappingId(destination), Enabled: false }));
}

/** Lets Lambda invoke this worker with its queue's messages again. */
export async function resumeConsumption(destination: Destination): Promise<void> {
  await lambdaClient().send(new UpdateEventSourceMappingCommand({ UUID: await mappingId(destination), Enabled: true }));
}
