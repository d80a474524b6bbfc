import { Validations } from "aws-cdk-lib";
import { HttpMethod, type HttpApi, type HttpRoute } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { HttpFunction, QueueRef } from "../wiring.js";
import { RelayFunction, type RelayFunctionDefaults } from "./RelayFunction.js";

export interface WebhookToQueueProps {
  api: HttpApi;
  /** The function's entry in infra/wiring.ts. */
  wiring: HttpFunction;
  /** The stack's queues; the function may send to those its wiring lists. */
  queueOf: (ref: QueueRef) => IQueue;
  functionDefaults: RelayFunctionDefaults;
}

/** An HTTP API route and the ingest function behind it, allowed to send to the queues its wiring lists only. */
export class WebhookToQueue extends Construct {
  readonly wiring: HttpFunction;
  readonly ingest: RelayFunction;
  readonly routes: HttpRoute[];

  constructor(scope: Construct, id: string, props: WebhookToQueueProps) {
    super(scope, id);
    const { wiring } = props;
    this.wiring = wiring;
    this.ingest = new RelayFunction(this, "Ingest", { defaults: props.functionDefaults, wiring, queueOf: props.queueOf });

    this.routes = props.api.addRoutes({
      path: wiring.trigger.path,
      methods: [HttpMethod[wiring.trigger.method]],
      integration: new HttpLambdaIntegration(`${id}Integration`, this.ingest.handler),
    });
    for (const httpRoute of this.routes) {
      Validations.of(httpRoute).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "mParticle and Braze Currents send a static token in the Authorization header; the function checks it in constant time against the relay secret.",
      });
    }
  }
}
