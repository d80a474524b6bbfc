import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";

/** One request as it arrived, with what checking its Signature Version 4 found. */
export interface VerifiedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Undefined when the signature is right; else what is wrong. */
  problem: string | undefined;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** AWS's own check, redone: the signature of the request as received, from its signed headers, with the caller's secret key. */
async function problemOf(req: IncomingMessage, body: string, secretKeys: ReadonlyMap<string, string>): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(req.headers.authorization ?? "");
  if (!match) return `not a SigV4 Authorization header: ${req.headers.authorization ?? "(none)"}`;
  const [, accessKeyId = "", , region = "", service = "", signedHeaders = "", signature] = match;
  const secretAccessKey = secretKeys.get(accessKeyId);
  if (!secretAccessKey) return `unknown access key ${accessKeyId}`;
  const amzDate = String(req.headers["x-amz-date"]);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`);
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  const headers = Object.fromEntries(signedHeaders.split(";").map((name) => [name, String(req.headers[name])]));
  const sessionToken = req.headers["x-amz-security-token"];
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken: typeof sessionToken === "string" ? sessionToken : undefined },
    sha256: Sha256,
    applyChecksum: "x-amz-content-sha256" in req.headers,
  });
  const expected = await signer.sign(
    {
      method: req.method ?? "GET",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      // The path as it came on the wire: the signer encodes each segment again, as AWS does for every service but S3.
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: body || undefined,
    },
    { signingDate },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
  return expectedSignature === signature ? undefined : `signature mismatch for ${req.method} ${req.url} (signed headers ${signedHeaders})`;
}

export interface SigV4Server {
  endpoint: string;
  requests: VerifiedRequest[];
  stop(): Promise<void>;
}

/** An answer: `body` is sent as JSON, `text` as it is (a proxy's page). */
export interface SigV4Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  text?: string;
}

/** A server that checks every request's signature and answers what `answer` says. */
export async function startSigV4Server(secretKeys: ReadonlyMap<string, string>, answer: (request: VerifiedRequest) => SigV4Reply): Promise<SigV4Server> {
  const requests: VerifiedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      void problemOf(req, body, secretKeys).then((problem) => {
        const request: VerifiedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, problem };
        requests.push(request);
        const reply: SigV4Reply = problem
          ? { status: 403, headers: { "x-amzn-errortype": "InvalidSignatureException" }, body: { message: problem } }
          : answer(request);
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(reply.text ?? (reply.body === undefined ? "" : JSON.stringify(reply.body)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
