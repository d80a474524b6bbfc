import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { startApiServer, type HttpApiHandler } from "../../infra/local/apiServer.js";
import { DEVELOPMENT_SECRETS } from "../../infra/local/devSecrets.js";
import { EventSourceMappings, LocalEventSourceMapping, lambdaOperationOf, startLambdaApi } from "../../infra/local/lambdaApi.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { SqsPoller } from "../../infra/local/poller.js";
import { scheduledEvent } from "../../infra/local/probeSchedule.js";
import { createMixpanelSandbox, type MixpanelSandbox } from "../../infra/local/sandboxes/mixpanel.js";
import { createMparticleSandbox, type MparticleSandbox } from "../../infra/local/sandboxes/mparticle.js";
import {
  DEVELOPMENT_PUSHWOOSH_CREDENTIALS,
  DEVELOPMENT_PUSHWOOSH_EVENTS,
  createPushwooshSandbox,
  type PushwooshSandbox,
} from "../../infra/local/sandboxes/pushwoosh.js";
import { ensureQueues, startLocalSqs } from "../../infra/local/sqs.js";
import { startAwsProxy, type AwsCall, type AwsCallHook, type AwsProxy } from "./awsProxy.js";
import { startLambdaBundle, type LambdaBundle } from "./lambdaBundle.js";
import { startSecretsManagerStandIn } from "./secretsManagerStandIn.js";
import { deployedFunctions, type CfnTemplate, type DeployedFunction, type SynthesizedRelay } from "./synthesizedStack.js";
import { TEST_ACCOUNT, iamActionOf, isAllowed, isAllowedOnArn, roleStatements } from "./templateIam.js";
import { waitFor } from "./waitFor.js";

const REGION = TEST_ACCOUNT.region;
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${TEST_ACCOUNT.accountId}:secret:cdp-relay-local-AbCdEf`;
/** What an SQS event source mapping calls with the function's execution role. */
export const EVENT_SOURCE_MAPPING_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"];

interface Caller {
  name: string;
  roleId: string;
  proxies: Array<{ service: "sqs" | "secretsmanager" | "lambda"; proxy: AwsProxy }>;
}

export interface DeployedStack {
  apiUrl: string;
  /** A client of the embedded SQS that no role stands behind: the test's own view of the queues. */
  sqs: SQSClient;
  queueUrl(queueName: string): string;
  functions: DeployedFunction[];
  /** The function behind a route of the template's HTTP API. */
  functionOfRoute(path: string): string | undefined;
  /** What a function's bundle printed (its structured logs). */
  output(functionName: string): string;
  sandboxes: { pushwoosh: PushwooshSandbox; mparticle: MparticleSandbox; mixpanel: MixpanelSandbox };
  secrets: typeof DEVELOPMENT_SECRETS;
  /** Every SQS, Secrets Manager and Lambda API call so far, by caller. */
  calls(): AwsCall[];
  /** The template's event source mappings as the Lambda API stand-in serves them, by worker name. */
  mappings: ReadonlyMap<string, LocalEventSourceMapping>;
  /** Invokes a worker the way its EventBridge probe rule does (the template's rule targeting it). */
  probe(functionName: string): Promise<void>;
  /** One line per call recorded since the previous check that the caller's role would be denied in AWS. */
  deniedCalls(): string[];
  /** One line per permission a worker's event source mapping needs and its role lacks. */
  eventSourceMappingGaps(): string[];
  /** Resolves when no main queue holds a message, visible or in flight. */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

type Resolved = { kind: "queue"; logicalId: string; name: string } | { kind: "secret"; logicalId: string };

/**
 * The synthesized stack run as deployed: each function's bundle in its own child process with the template's
 * environment (queue references resolved to the embedded SQS, the secret to a local Secrets Manager), each
 * behind its own recording proxies; the template's routes on a local HTTP API; the template's event source
 * mappings as pollers. Only the partner base URLs are overridden, to the local sandboxes.
 */
export async function startDeployedStack(relay: SynthesizedRelay, options: { hook?: AwsCallHook } = {}): Promise<DeployedStack> {
  const template = relay.template.toJSON() as CfnTemplate;
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => {});
  };
  try {
    const localSqs = await startLocalSqs({ port: 0 });
    stoppers.push(() => localSqs.stop());
    const sqs = new SQSClient({ endpoint: localSqs.endpoint, region: REGION });
    stoppers.push(async () => sqs.destroy());
    const urlByName = new Map(Object.values(await ensureQueues(sqs)).flatMap(({ queue, dlq }) => [queue, dlq].map((url) => [url.split("/").pop() ?? "", url])));

    const resources = template.Resources;
    const queueIdByName = new Map<string, string>();
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== "AWS::SQS::Queue") continue;
      const name = String(resource.Properties.QueueName);
      if (!urlByName.has(name)) throw new Error(`the template's queue ${name} is not one the local stack creates`);
      queueIdByName.set(name, logicalId);
    }
    const resolveRef = (value: unknown): Resolved | undefined => {
      const logicalId = (value as { Ref?: string } | null)?.Ref;
      const resource = logicalId ? resources[logicalId] : undefined;
      if (!logicalId || !resource) return undefined;
      if (resource.Type === "AWS::SQS::Queue") return { kind: "queue", logicalId, name: String(resource.Properties.QueueName) };
      if (resource.Type === "AWS::SecretsManager::Secret") return { kind: "secret", logicalId };
      return undefined;
    };

    const secrets = DEVELOPMENT_SECRETS;
    const sandboxes = {
      pushwoosh: createPushwooshSandbox({ credentials: DEVELOPMENT_PUSHWOOSH_CREDENTIALS, events: DEVELOPMENT_PUSHWOOSH_EVENTS }),
      mparticle: createMparticleSandbox({ feeds: secrets.mparticle.feeds }),
      mixpanel: createMixpanelSandbox({ mixpanel: secrets.mixpanel }),
    };
    const partnerUrls = {
      PUSHWOOSH_API_URL: await sandboxes.pushwoosh.start(0),
      MPARTICLE_API_URL: await sandboxes.mparticle.start(0),
      MIXPANEL_API_URL: await sandboxes.mixpanel.start(0),
    };
    for (const sandbox of Object.values(sandboxes)) stoppers.push(() => sandbox.stop());

    // The Lambda API the workers pause their mappings through; the template's mappings are added below.
    const eventSourceMappings = new EventSourceMappings();
    const lambdaApi = await startLambdaApi(eventSourceMappings);
    stoppers.push(() => lambdaApi.stop());

    const callers: Caller[] = [];
    const addCaller = async (name: string, roleId: string): Promise<{ sqsEndpoint: string; secretsEndpoint: string; lambdaEndpoint: string }> => {
      const sqsProxy = await startAwsProxy({ caller: name, target: localSqs.endpoint, hook: options.hook });
      const secretsProxy = await startSecretsManagerStandIn(name, new Map([[SECRET_ARN, JSON.stringify(secrets)]]));
      const lambdaProxy = await startAwsProxy({ caller: name, target: lambdaApi.endpoint, operationOf: lambdaOperationOf });
      stoppers.push(
        () => sqsProxy.stop(),
        () => secretsProxy.stop(),
        () => lambdaProxy.stop(),
      );
      callers.push({
        name,
        roleId,
        proxies: [
          { service: "sqs", proxy: sqsProxy },
          { service: "secretsmanager", proxy: secretsProxy },
          { service: "lambda", proxy: lambdaProxy },
        ],
      });
      return { sqsEndpoint: sqsProxy.endpoint, secretsEndpoint: secretsProxy.endpoint, lambdaEndpoint: lambdaProxy.endpoint };
    };
    const functionArnOf = (name: string) => `arn:${TEST_ACCOUNT.partition}:lambda:${REGION}:${TEST_ACCOUNT.accountId}:function:${name}`;

    const functions = deployedFunctions(relay);
    const bundles = new Map<string, LambdaBundle>();
    for (const fn of functions) {
      const environment: Record<string, string> = {};
      for (const [name, value] of Object.entries(fn.variables)) {
        if (typeof value === "string") environment[name] = value;
        else {
          const resolved = resolveRef(value);
          if (!resolved) throw new Error(`${fn.name}: cannot resolve ${name} = ${JSON.stringify(value)}`);
          environment[name] = resolved.kind === "queue" ? (urlByName.get(resolved.name) ?? "") : SECRET_ARN;
        }
      }
      const endpoints = await addCaller(fn.name, fn.roleId);
      const bundle = await startLambdaBundle({
        name: fn.name,
        assetDir: fn.assetDir,
        timeoutSeconds: fn.timeoutSeconds,
        environment: {
          ...environment,
          // What the Lambda runtime adds, and the SDK's own endpoint variables pointing at this function's proxies.
          AWS_REGION: REGION,
          AWS_DEFAULT_REGION: REGION,
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
          AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
          TZ: ":UTC",
          AWS_ENDPOINT_URL_SQS: endpoints.sqsEndpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsEndpoint,
          AWS_ENDPOINT_URL_LAMBDA: endpoints.lambdaEndpoint,
          ...partnerUrls,
        },
      });
      stoppers.push(() => bundle.stop());
      bundles.set(fn.logicalId, bundle);
    }
    const functionById = new Map(functions.map((fn) => [fn.logicalId, fn]));

    // The template's routes: Route → Integration → function.
    const routes = Object.values(resources)
      .filter((resource) => resource.Type === "AWS::ApiGatewayV2::Route")
      .map((route) => {
        const [method = "", path = ""] = String(route.Properties.RouteKey).split(" ");
        const join = (route.Properties.Target as { "Fn::Join": [string, [string, { Ref: string }]] })["Fn::Join"][1];
        const integration = resources[join[1].Ref];
        const functionId = (integration?.Properties.IntegrationUri as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
        const bundle = bundles.get(functionId);
        if (!bundle) throw new Error(`route ${route.Properties.RouteKey} reaches no function`);
        const handler: HttpApiHandler = (event) => bundle.invoke(event);
        return { method, path, functionName: bundle.name, handler };
      });
    const api = await startApiServer(0, {
      routes,
      context: (functionName) => lambdaContext(functionName, 10, REGION),
      isReady: () => true,
    });
    stoppers.push(async () => {
      api.server.closeAllConnections();
      await new Promise((resolve) => api.server.close(resolve));
    });

    // The template's event source mappings, polling with the worker's role.
    const mappings = Object.values(resources).filter((resource) => resource.Type === "AWS::Lambda::EventSourceMapping");
    const gaps: string[] = [];
    const mappingsByWorker = new Map<string, LocalEventSourceMapping>();
    const functionIdByArn = new Map<string, string>();
    const pollerByWorker = new Map<string, SqsPoller>();
    for (const mapping of mappings) {
      const { EventSourceArn, FunctionName, BatchSize, MaximumBatchingWindowInSeconds, FunctionResponseTypes, ScalingConfig } = mapping.Properties as {
        EventSourceArn: { "Fn::GetAtt": [string, string] };
        FunctionName: { Ref: string };
        BatchSize: number;
        MaximumBatchingWindowInSeconds?: number;
        FunctionResponseTypes?: string[];
        ScalingConfig?: { MaximumConcurrency?: number };
      };
      const fn = functionById.get(FunctionName.Ref);
      const bundle = bundles.get(FunctionName.Ref);
      if (!fn || !bundle) throw new Error(`an event source mapping targets ${FunctionName.Ref}, which is not a function`);
      const queueId = EventSourceArn["Fn::GetAtt"][0];
      const queueName = String(resources[queueId]?.Properties.QueueName);
      const statements = roleStatements(template, fn.roleId);
      for (const action of EVENT_SOURCE_MAPPING_ACTIONS) {
        if (!isAllowed(statements, action, EventSourceArn))
          gaps.push(`${fn.name}: its event source mapping needs ${action} on ${queueName}, its role does not allow it`);
      }
      const { sqsEndpoint } = await addCaller(`${fn.name} event source mapping`, fn.roleId);
      const pollerSqs = new SQSClient({ endpoint: sqsEndpoint, region: REGION });
      const localMapping = eventSourceMappings.add(
        new LocalEventSourceMapping(fn.name, functionArnOf(fn.name), `arn:${TEST_ACCOUNT.partition}:sqs:${REGION}:${TEST_ACCOUNT.accountId}:${queueName}`, {
          batchSize: BatchSize,
          maxBatchingWindowSeconds: MaximumBatchingWindowInSeconds ?? 0,
          reportBatchItemFailures: (FunctionResponseTypes ?? []).includes("ReportBatchItemFailures"),
          maxConcurrency: ScalingConfig?.MaximumConcurrency,
        }),
      );
      mappingsByWorker.set(fn.name, localMapping);
      functionIdByArn.set(localMapping.functionArn, fn.logicalId);
      const poller = new SqsPoller({
        sqs: pollerSqs,
        queueUrl: urlByName.get(queueName) ?? "",
        region: REGION,
        mapping: localMapping,
        handlers: [(event: SQSEvent) => bundle.invoke<SQSBatchResponse>(event)],
        context: () => lambdaContext(fn.name, fn.timeoutSeconds, REGION),
      });
      pollerByWorker.set(fn.name, poller);
      await poller.start();
      stoppers.push(async () => {
        await poller.stop();
        pollerSqs.destroy();
      });
    }

    const queueArnOf = (queueUrl: unknown) => {
      const name = String(queueUrl).split("/").pop() ?? "";
      const logicalId = queueIdByName.get(name);
      return logicalId
        ? { expression: { "Fn::GetAtt": [logicalId, "Arn"] }, label: name }
        : { expression: undefined, label: `unknown queue ${String(queueUrl)}` };
    };
    const calls = () => callers.flatMap((caller) => caller.proxies.flatMap(({ proxy }) => proxy.calls));
    /**
     * A Lambda API call against the role: ListEventSourceMappings has no resource ("*"); Get and Update name
     * the mapping's ARN, with the condition key lambda:FunctionArn = the mapping's function
     * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
     */
    const lambdaDenied = (caller: Caller, statements: ReturnType<typeof roleStatements>, call: AwsCall, action: string): string[] => {
      const mapping = eventSourceMappings.all().find((candidate) => candidate.uuid === call.input.UUID);
      const arn = call.action === "ListEventSourceMappings" ? "*" : (mapping?.arn ?? `unknown mapping ${String(call.input.UUID)}`);
      const functionId = mapping ? functionIdByArn.get(mapping.functionArn) : undefined;
      const conditionValues = functionId ? { "lambda:FunctionArn": { "Fn::GetAtt": [functionId, "Arn"] } } : {};
      return isAllowedOnArn(statements, action, arn, conditionValues)
        ? []
        : [`${caller.name} called ${call.action} on ${arn}: its role ${caller.roleId} does not allow ${action} there`];
    };
    // The template's probe rules: Rule → Targets → function.
    const probedFunctionIds = new Set(
      Object.values(resources)
        .filter((resource) => resource.Type === "AWS::Events::Rule")
        .flatMap((rule) => (rule.Properties.Targets as Array<{ Arn: { "Fn::GetAtt": [string, string] } }>).map((target) => target.Arn["Fn::GetAtt"][0])),
    );
    const checked = new Map<AwsProxy, number>();
    const secretId = Object.keys(resources).find((id) => resources[id]?.Type === "AWS::SecretsManager::Secret");

    return {
      apiUrl: api.url,
      sqs,
      queueUrl: (name) => {
        const url = urlByName.get(name);
        if (!url) throw new Error(`no queue ${name}`);
        return url;
      },
      functions,
      functionOfRoute: (path) => routes.find((route) => route.path === path)?.functionName,
      output: (functionName) => [...bundles.values()].find((bundle) => bundle.name === functionName)?.output() ?? "",
      sandboxes,
      secrets,
      calls,
      deniedCalls: () =>
        callers.flatMap((caller) => {
          const statements = roleStatements(template, caller.roleId);
          return caller.proxies.flatMap(({ service, proxy }) => {
            const unchecked = proxy.calls.slice(checked.get(proxy) ?? 0);
            checked.set(proxy, proxy.calls.length);
            return unchecked.flatMap((call) => {
              const action = iamActionOf(service, call.action);
              if (service === "lambda") return lambdaDenied(caller, statements, call, action);
              const resource =
                service === "sqs"
                  ? queueArnOf(call.input.QueueUrl)
                  : call.input.SecretId === SECRET_ARN
                    ? { expression: { Ref: secretId }, label: "the relay secret" }
                    : { expression: undefined, label: `unknown secret ${String(call.input.SecretId)}` };
              return isAllowed(statements, action, resource.expression)
                ? []
                : [`${caller.name} called ${call.action} on ${resource.label}: its role ${caller.roleId} does not allow ${action} there`];
            });
          });
        }),
      eventSourceMappingGaps: () => gaps,
      mappings: mappingsByWorker,
      probe: async (functionName) => {
        const fn = functions.find((candidate) => candidate.name === functionName);
        const poller = pollerByWorker.get(functionName);
        if (!fn || !poller || !probedFunctionIds.has(fn.logicalId)) throw new Error(`no probe rule of the template targets ${functionName}`);
        await poller.invokeScheduled(scheduledEvent(`${functionName}-probe`, REGION));
      },
      drained: () =>
        waitFor(
          async () => {
            for (const name of queueIdByName.keys()) {
              if (name.endsWith("-dlq")) continue;
              const { Attributes } = await sqs.send(
                new GetQueueAttributesCommand({
                  QueueUrl: urlByName.get(name),
                  AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                }),
              );
              if (Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible) > 0) return false;
            }
            return true;
          },
          30_000,
          "every main queue to be drained by its worker",
        ).then(() => undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
