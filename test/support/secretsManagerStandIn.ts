import { startAwsProxy, type AwsAnswer, type AwsProxy } from "./awsProxy.js";

/**
 * A local Secrets Manager for one caller, speaking its JSON protocol for GetSecretValue (what the relay
 * calls), reached through AWS_ENDPOINT_URL_SECRETS_MANAGER. Every call is recorded like the SQS proxy's.
 */
export function startSecretsManagerStandIn(caller: string, secrets: ReadonlyMap<string, string>): Promise<AwsProxy> {
  return startAwsProxy({
    caller,
    hook: ({ action, input }): AwsAnswer => {
      const secretId = String(input.SecretId);
      const value = secrets.get(secretId);
      if (action !== "GetSecretValue") return { status: 400, body: { __type: "InvalidRequestException", message: `${action} is not served here` } };
      if (value === undefined)
        return { status: 400, body: { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." } };
      return {
        status: 200,
        body: { ARN: secretId, Name: secretId.split(":").pop(), SecretString: value, VersionId: "local", VersionStages: ["AWSCURRENT"], CreatedDate: 0 },
      };
    },
  });
}
