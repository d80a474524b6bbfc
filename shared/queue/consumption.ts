import { lambdaEndpoint, ownFunctionName } from "../config/settings.js";
import { awsRestJson } from "../http/awsRequest.js";
import { queueName, type Destination } from "./definition.js";

/**
 * The three Lambda API calls a worker makes on its own event source mapping ("Lambda API Reference":
 * ListEventSourceMappings, GetEventSourceMapping, UpdateEventSourceMapping, REST JSON under /2015-03-31),
 * signed as the SDK signs them. AWS_ENDPOINT_URL_LAMBDA points them at a Lambda API stand-in, as
 * AWS_ENDPOINT_URL_SQS does for SQS.
 */
const MAPPINGS_PATH = "/2015-03-31/event-source-mappings";

interface EventSourceMapping {
  UUID?: string;
  EventSourceArn?: string;
  State?: string;
}

function mappingsCall<Answer>(method: "GET" | "PUT", uuid: string, options: { query?: Record<string, string | undefined>; body?: unknown } = {}) {
  return awsRestJson<Answer>({
    service: "lambda",
    endpoint: lambdaEndpoint(),
    method,
    path: uuid ? `${MAPPINGS_PATH}/${encodeURIComponent(uuid)}` : MAPPINGS_PATH,
    ...options,
  });
}

/** The mapping UUID per Lambda API, function and queue, found once per container (one process may run several local stacks). */
const mappingIds = new Map<string, string>();

/** The event source mapping that feeds this function from its destination's queue (a worker has exactly one). */
async function mappingId(destination: Destination): Promise<string> {
  const functionName = ownFunctionName();
  const key = `${lambdaEndpoint() ?? ""}\u001f${functionName}\u001f${destination}`;
  const cached = mappingIds.get(key);
  if (cached) return cached;
  const queueArnSuffix = `:${queueName(destination)}`;
  let marker: string | undefined;
  do {
    const page = await mappingsCall<{ EventSourceMappings?: EventSourceMapping[]; NextMarker?: string }>("GET", "", {
      query: { FunctionName: functionName, Marker: marker },
    });
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
  const mapping = await mappingsCall<EventSourceMapping>("GET", await mappingId(destination));
  return mapping.State === "Disabled" || mapping.State === "Disabling";
}

/** Stops Lambda from invoking this worker with its queue's messages: they wait in the queue, costing nothing. */
export async function pauseConsumption(destination: Destination): Promise<void> {
  await mappingsCall("PUT", await mappingId(destination), { body: { Enabled: false } });
}

/** Lets Lambda invoke this worker with its queue's messages again. */
export async function resumeConsumption(destination: Destination): Promise<void> {
  await mappingsCall("PUT", await mappingId(destination), { body: { Enabled: true } });
}
