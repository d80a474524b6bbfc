import { SQSClient } from "@aws-sdk/client-sqs";

// One client per container. AWS_ENDPOINT_URL_SQS (the SDK's own variable) points it at a local SQS.
let client: SQSClient | undefined;

export function sqsClient(): SQSClient {
  client ??= new SQSClient({});
  return client;
}
