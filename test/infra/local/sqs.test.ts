import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SQS_HOST, startLocalSqs, type LocalSqs } from "../../../infra/local/sqs.js";
import { defined } from "../../support/defined.js";

/** Resolves with "connected" or the socket error's code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Every address of this machine that is not loopback: the embedded SQS must refuse them all. */
function nonLoopbackAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && !info.internal && info.family === "IPv4")
    .map((info) => defined(info).address);
}

describe("the embedded SQS", () => {
  let sqs: LocalSqs;
  let port: number;

  beforeAll(async () => {
    sqs = await startLocalSqs({ port: 0 });
    port = Number(new URL(sqs.endpoint).port);
  });
  afterAll(async () => {
    await sqs.stop();
  });

  it("is reached on loopback, at the endpoint it reports", async () => {
    expect(new URL(sqs.endpoint).hostname).toBe(LOCAL_SQS_HOST);
    expect(await tryConnect(LOCAL_SQS_HOST, port)).toBe("connected");
  });

  it("does not accept connections on any other interface", async () => {
    const addresses = nonLoopbackAddresses();
    // A machine without a network interface has nothing else to expose.
    for (const address of addresses) {
      expect(await tryConnect(address, port), address).toBe("ECONNREFUSED");
    }
  });
});
