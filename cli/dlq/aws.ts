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

/** Where `npm start` puts the embedded SQS by default (LOCAL_SQS_PORT). */
const LOCAL_ENDPOINT_HINT = "AWS_ENDPOINT_URL_SQS=http://127.0.0.1:9324";

function errorChain(error: unknown): Array<Error & { code?: string }> {
  const chain: Array<Error & { code?: string }> = [];
  for (let current = error; current instanceof Error && chain.length < 5; current = current.cause) chain.push(current);
  return chain;
}

/**
 * The real cause when the CLI cannot talk to SQS at all (no region, nothing listening at the endpoint,
 * no credentials), in words that say what to set; undefined for any other failure. Without this the SDK's
 * error surfaces as "queue not found", which sends people looking for a queue that may well exist.
 */
export function connectionProblem(error: unknown): string | undefined {
  const chain = errorChain(error);
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS;
  if (chain.some((link) => /region is missing/i.test(link.message))) {
    return `no AWS region is set: set AWS_REGION or pass --region (against the local stack, set ${LOCAL_ENDPOINT_HINT} instead)`;
  }
  if (chain.some((link) => ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET"].includes(link.code ?? "") || /ECONNREFUSED|ENOTFOUND/.test(link.message))) {
    return endpoint
      ? `nothing answers at AWS_ENDPOINT_URL_SQS=${endpoint}: is the local stack running (npm start; its port is LOCAL_SQS_PORT)?`
      : "cannot reach the SQS endpoint of this region: check the network, AWS_REGION or --region";
  }
  if (chain.some((link) => link.name === "CredentialsProviderError" || /could not load credentials/i.test(link.message))) {
    return `no AWS credentials found: set AWS_PROFILE or the AWS_ACCESS_KEY_ID family (against the local stack, set ${LOCAL_ENDPOINT_HINT} instead)`;
  }
  return undefined;
}
