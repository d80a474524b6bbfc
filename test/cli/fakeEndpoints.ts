import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface MoveTaskProxy {
  url: string;
  /** The JSON bodies of the StartMessageMoveTask calls received. */
  startCalls: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * An SQS endpoint that has StartMessageMoveTask, as AWS does: the embedded SQS (fauxqs) lacks it, so this
 * proxy implements the two task calls (moving every message from the source ARN's queue to the
 * destination's, attributes included, as SQS does) and forwards every other call to fauxqs unchanged.
 * The task reports RUNNING on the first poll and COMPLETED after, so the CLI's polling is exercised.
 */
export async function startMoveTaskProxy(upstream: string, sqs: SQSClient): Promise<MoveTaskProxy> {
  const startCalls: Array<Record<string, unknown>> = [];
  let task: { moved: number; polls: number; sourceArn: string } | undefined;
  const queueUrlOfArn = async (arn: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: arn.slice(arn.lastIndexOf(":") + 1) }))).QueueUrl;

  async function moveAll(sourceArn: string, destinationArn: string): Promise<number> {
    const [from, to] = await Promise.all([queueUrlOfArn(sourceArn), queueUrlOfArn(destinationArn)]);
    let moved = 0;
    for (;;) {
      const batch = await sqs.send(new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }));
      if (!batch.Messages?.length) return moved;
      for (const message of batch.Messages) {
        await sqs.send(new SendMessageCommand({ QueueUrl: to, MessageBody: message.Body, MessageAttributes: message.MessageAttributes }));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: from, ReceiptHandle: message.ReceiptHandle }));
        moved++;
      }
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const action = String(req.headers["x-amz-target"] ?? "").replace("AmazonSQS.", "");
      const answer = (payload: unknown) => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify(payload));
      };
      if (action === "StartMessageMoveTask") {
        const input = JSON.parse(body) as { SourceArn: string; DestinationArn: string };
        startCalls.push(input);
        task = { moved: await moveAll(input.SourceArn, input.DestinationArn), polls: 0, sourceArn: input.SourceArn };
        answer({ TaskHandle: "task-handle-1" });
        return;
      }
      if (action === "ListMessageMoveTasks") {
        const current = task;
        if (!current) return answer({ Results: [] });
        current.polls++;
        const running = current.polls === 1;
        answer({
          Results: [
            {
              Status: running ? "RUNNING" : "COMPLETED",
              SourceArn: current.sourceArn,
              ApproximateNumberOfMessagesMoved: running ? 0 : current.moved,
              ApproximateNumberOfMessagesToMove: current.moved,
              StartedTimestamp: Date.now(),
            },
          ],
        });
        return;
      }
      const forward = httpRequest(`${upstream}${req.url ?? "/"}`, { method: req.method, headers: req.headers }, (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      });
      forward.end(body);
    })();
  });
  const url = await listen(server);
  return { url, startCalls, close: () => close(server) };
}

export interface FakeCloudFormation {
  url: string;
  /** The form-encoded bodies received (the awsQuery protocol). */
  requests: URLSearchParams[];
  close(): Promise<void>;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A CloudFormation endpoint that knows one stack and answers DescribeStacks with its outputs. */
export async function startFakeCloudFormation(stackName: string, outputs: Record<string, string>): Promise<FakeCloudFormation> {
  const requests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const params = new URLSearchParams(await readBody(req));
      requests.push(params);
      res.setHeader("content-type", "text/xml");
      if (params.get("Action") !== "DescribeStacks" || params.get("StackName") !== stackName) {
        res.statusCode = 400;
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${escapeXml(params.get("StackName") ?? "")} does not exist</Message></Error><RequestId>r1</RequestId></ErrorResponse>`,
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(([key, value]) => `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`)
        .join("");
      res.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
          `<StackName>${escapeXml(stackName)}</StackName><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2025-03-01T00:00:00Z</CreationTime>` +
          `<Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    })();
  });
  const url = await listen(server);
  return { url, requests, close: () => close(server) };
}
