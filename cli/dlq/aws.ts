import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { SQSClient } from "@aws-sdk/client-sqs";

/** The region the local stack creates its queues in (infra/local), and what a local run falls back to. */
const LOCAL_REGION = "us-east-1";
/** The local SQS emulator accepts any signature; these only let the SDK sign. */
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface AwsTarget {
  region?: string;
}

/**
 * Region and credentials. With AWS_ENDPOINT_URL_SQS set (the local stack), missing ones get local
 * defaults so the CLI works out of the box; against AWS the SDK's own chain decides.
 */
function clientConfig(target: AwsTarget): { region?: string; credentials?: typeof LOCAL_CREDENTIALS } {
  const region = target.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!process.env.AWS_ENDPOINT_URL_SQS) return { region };
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return { region: region ?? LOCAL_REGION, ...(hasCredentials ? {} : { credentials: LOCAL_CREDENTIALS }) };
}

export function createSqsClient(target: AwsTarget): SQSClient {
  // The endpoint is passed explicitly: the SDK otherwise sends to the queue URL's host, which local
  // emulators make up (sqs.us-east-1.localhost).
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS;
  return new SQSClient({ ...clientConfig(target), ...(endpoint ? { endpoint } : {}) });
}

/** CloudFormation has its own endpoint variable (AWS_ENDPOINT_URL_CLOUDFORMATION), which the SDK reads. */
export function createCloudFormationClient(target: AwsTarget): CloudFormationClient {
  return new CloudFormationClient(clientConfig(target));
}
