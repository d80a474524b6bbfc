/**
 * What the deployed functions get for `@aws-sdk/credential-provider-node` (esbuild `--alias:`, set in
 * infra/constructs/RelayFunction.ts): the SDK clients' default credential provider, reduced to the one
 * source Lambda uses. Lambda puts the execution role's keys in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN ("Defined runtime environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * and the SDK's own chain tries the environment first (unless AWS_PROFILE is set, which Lambda never sets),
 * so in Lambda it always stopped there. The rest of the chain (SSO, ini files, login, process, web
 * identity, ECS/IMDS, with the nested STS/SSO clients they bring) was 95 KB of every bundle and 25–35 ms of
 * every cold start (docs/performance.md).
 *
 * Not for SnapStart: there Lambda hands out credentials through AWS_CONTAINER_CREDENTIALS_FULL_URI instead
 * (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials); the relay
 * does not use it. Without the variables the first AWS call fails with the SDK's "Unable to find environment
 * variable credentials". The local stack and the tests run the sources, with the SDK's whole chain.
 */
import { fromEnv } from "@aws-sdk/credential-provider-env";

export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
