import { Duration, Validations } from "aws-cdk-lib";
import { HttpMethod, type HttpApi, type HttpRoute } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { queueUrlEnvVar, type Destination } from "../../shared/queue/definition.js";
import type { WebhookRoute } from "../routes.js";
import { RelayFunction, type RelayFunctionDefaults } from "./RelayFunction.js";

export interface WebhookToQueueProps {
  api: HttpApi;
  route: WebhookRoute;
  /** Queues by destination; the function may send to those its route lists. */
  queues: ReadonlyMap<Destination, IQueue>;
  functionDefaults: RelayFunctionDefaults;
  memorySize?: number;
  timeout?: Duration;
}

/** An HTTP API route and the ingest function behind it, allowed to send to its destination queues only. */
export class WebhookToQueue extends Construct {
  readonly route: WebhookRoute;
  readonly ingest: RelayFunction;
  readonly routes: HttpRoute[];

  constructor(scope: Construct, id: string, props: WebhookToQueueProps) {
    super(scope, id);
    const { route } = props;
    this.route = route;
    const destinationQueues = route.destinations.map((destination) => {
      const queue = props.queues.get(destination);
      if (!queue) throw new Error(`route ${route.path} sends to ${destination}, which has no queue`);
      return [destination, queue] as const;
    });

    this.ingest = new RelayFunction(this, "Ingest", {
      defaults: props.functionDefaults,
      functionName: route.functionName,
      readsSecret: route.readsSecret,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 256,
      environment: Object.fromEntries(destinationQueues.map(([destination, queue]) => [queueUrlEnvVar(destination), queue.queueUrl])),
    });
    for (const [, queue] of destinationQueues) queue.grantSendMessages(this.ingest.handler);

    this.routes = props.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${id}Integration`, this.ingest.handler),
    });
    for (const httpRoute of this.routes) {
      Validations.of(httpRoute).acknowledge({
        id: "AwsSolutions-APIG4",
        reason: "mParticle and Braze Currents send a static token in the Authorization header; the function checks it in constant time against the relay secret.",
      });
    }
  }
}
