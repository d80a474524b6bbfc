import { gzipSync } from "node:zlib";
import { GetQueueAttributesCommand, PurgeQueueCommand } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHandler } from "../../infra/local/functions.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { HTTP_FUNCTIONS, type HttpFunction } from "../../infra/wiring.js";
import {
  BRAZE_CURRENTS_LIMITS,
  MPARTICLE_AUDIENCES_LIMITS,
  MPARTICLE_EVENTS_LIMITS,
  MPARTICLE_WEBHOOK_LIMITS,
  REGISTRATION_LIMITS,
  type IngestLimits,
} from "../../shared/http/limits.js";
import { TEST_SECRETS, useSecrets } from "../support/secrets.js";
import { brazeEvent, eventId } from "../shared/sources/braze/factories.js";
import { configured, fixture } from "../shared/sources/mparticle/factories.js";
import { azureBatchesText, masterSample, outgoingMasterSampleText } from "../shared/sources/mparticle/webhookFactories.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../support/embeddedSqs.js";
import { httpApiEvent } from "../support/httpApiEvent.js";
import { defined } from "../support/defined.js";

/**
 * Property-based fuzzing of every POST route through the real middleware chain and handler: whatever
 * arrives, the answer is a 2xx (the input was in fact valid) or a 4xx JSON error naming the field, never
 * a 5xx, never an unhandled rejection, and a rejected request enqueues nothing. On the mParticle data
 * doors (whose sender drops what is answered 4xx) an authenticated JSON body within the limits is always
 * answered 2xx: enqueued, or parked in the DLQ with the reason, never lost, never half-enqueued.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** What a valid request to each route looks like (from test/fixtures) and what the route takes. */
interface RouteSeeds {
  authorization?: string;
  limits: IngestLimits;
  valid: () => Json[];
  /** The body may be an array of documents (the mParticle Webhook's batches), so a top-level array can be valid. */
  takesArrays?: boolean;
  /**
   * Authenticated JSON the route cannot map is parked and answered 2xx (its sender drops what is answered
   * 4xx), so such a body is never a refusal there: a 4xx only for the limits.
   */
  parksUnmappable?: boolean;
  /** An empty body is a check request answered 2xx (Braze may probe its endpoint so). */
  emptyIsCheck?: boolean;
}

const SEEDS: Record<string, RouteSeeds> = {
  "/mparticle/registration": { limits: REGISTRATION_LIMITS, valid: () => [fixture("ModuleRegistrationRequest.json") as Json] },
  "/mparticle/events": {
    authorization: `Token ${TEST_SECRETS.inbound.mparticleToken}`,
    limits: MPARTICLE_EVENTS_LIMITS,
    valid: () => [
      configured(fixture("EventProcessingRequest_ios.json")) as Json,
      configured(fixture("EventProcessingRequest_android.json")) as Json,
      fixture("DsrProcessingRequest.json") as Json,
    ],
    parksUnmappable: true,
  },
  "/mparticle/audiences": {
    authorization: `Token ${TEST_SECRETS.inbound.mparticleToken}`,
    limits: MPARTICLE_AUDIENCES_LIMITS,
    valid: () => [configured(fixture("AudienceMembershipChangeRequest.json")) as Json, configured(fixture("AudienceSubscriptionRequest.json")) as Json],
    parksUnmappable: true,
  },
  "/mparticle/webhook": {
    authorization: TEST_SECRETS.inbound.mparticleWebhookAuthorization,
    limits: MPARTICLE_WEBHOOK_LIMITS,
    valid: () => [masterSample() as Json, JSON.parse(azureBatchesText()) as Json, JSON.parse(outgoingMasterSampleText()) as Json],
    takesArrays: true,
    parksUnmappable: true,
  },
  "/braze/currents": {
    authorization: `Bearer ${TEST_SECRETS.inbound.brazeToken}`,
    limits: BRAZE_CURRENTS_LIMITS,
    valid: () => [
      {
        events: [brazeEvent("users.behaviors.Purchase", { id: eventId(1) }), brazeEvent("users.messages.pushnotification.Send", { id: eventId(2) })],
      } as unknown as Json,
      { events: [brazeEvent("users.canvas.Entry", { id: eventId(3) })] } as unknown as Json,
    ],
    parksUnmappable: true,
    emptyIsCheck: true,
  },
};

/** Cases per route: mostly requests that must be refused (cheap), some mutations of valid ones (may enqueue). */
const REFUSED_RUNS = 9_000;
const MUTATED_RUNS = 1_000;
/** Values of other JSON types than the one at a field path (the sweep over every path adds to the runs above). */
function wrongTypes(value: Json): Json[] {
  if (value === null) return ["a string", 0];
  if (typeof value === "string") return [null, 12345];
  if (typeof value === "object") return [null, "a string", Array.isArray(value) ? {} : []];
  return [null, "a string"];
}
const FUZZ_SEED = 12;

type Path = Array<string | number>;

/** Every path into a document, the root included: where a wrong value can be put. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, [...prefix, index])));
  else if (value !== null && typeof value === "object") for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  return paths;
}

function objectPaths(value: Json): Path[] {
  return pathsOf(value).filter((path) => {
    const node = at(value, path);
    return node !== null && typeof node === "object" && !Array.isArray(node);
  });
}

function at(value: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key] as Json, value);
}

/** A deep copy with `change` applied to the parent of the path's last step. */
function edit(value: Json, path: Path, change: (parent: Record<string | number, Json>, key: string | number) => void): Json {
  const copy = structuredClone(value);
  if (path.length === 0) return copy;
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, Json>;
  change(parent, defined(path[path.length - 1]));
  return copy;
}

function nested(depth: number, leaf: Json = 1): Json {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

/** Values of every JSON type and the awkward ones: control characters, lone surrogates, prototype keys. */
const strangeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -0, "", " ", [], {}, "\u0000", "\u202e\u200b", "\ud800", "💥".repeat(50), "__proto__"),
  fc.integer().map((n) => n as Json),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => n as Json),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)), maxLength: 20 }),
  fc.constantFrom(0, 8, 20, 30).map((depth) => nested(depth)),
  fc.constantFrom(1000, 50_000).map((length) => "x".repeat(length)),
  fc.array(fc.integer(), { maxLength: 300 }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as Json),
);

interface FuzzRequest {
  body: string | Buffer | undefined;
  headers: Record<string, string>;
  base64?: boolean;
  what: string;
}

function asRequest(body: string | Buffer | undefined, what: string, headers: Record<string, string> = {}, base64 = false): FuzzRequest {
  return { body, headers, base64, what };
}

/** Whether a route takes a body (parks it, or answers it as a check request) once decoded as the route decodes it (UTF-8, base64 for a Buffer). */
function takenBy(seeds: RouteSeeds, body: string | Buffer | undefined): boolean {
  const text = Buffer.isBuffer(body) ? new TextDecoder("utf-8").decode(body) : (body ?? "");
  if (text.trim() === "") return seeds.emptyIsCheck === true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** JSON that is no document of a route: what a route that parks unmappable bodies must answer 2xx. */
function notADocumentOf(seeds: RouteSeeds): fc.Arbitrary<string> {
  const notADocument = (text: string) => !text.startsWith("{") && !(seeds.takesArrays && text.startsWith("["));
  return fc.oneof(fc.json({ maxDepth: 3 }).filter(notADocument), fc.constantFrom("[]", "null", "0", '"events"', "true").filter(notADocument));
}

/** Requests that a route must refuse with a 4xx, whatever its state. */
function refusedRequests(seeds: RouteSeeds): fc.Arbitrary<FuzzRequest> {
  const valid = seeds.valid();
  const seed = fc.constantFrom(...valid);
  const seedText = seed.map((value) => JSON.stringify(value));
  // A route that parks unmappable JSON answers any JSON 2xx (and a check request's empty body): those are not refusals there.
  const refusable = (request: FuzzRequest) => !seeds.parksUnmappable || !takenBy(seeds, request.body);
  const notJsonType = fc.constantFrom(
    "text/plain",
    "text/html",
    "application/xml",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "image/png",
    "application/json; charset=utf-16",
  );
  const notAnEncoding = fc.constantFrom("br", "deflate", "compress", "zstd", "gzip, br", "gzip;q=1", "*");
  const items = seeds.limits.items;
  // Cheap cases carry most of the weight; the ones that build megabytes (or deep text) are rarer.
  const cheap = (arbitrary: fc.Arbitrary<FuzzRequest>) => ({ arbitrary, weight: 8 });
  const costly = (arbitrary: fc.Arbitrary<FuzzRequest>) => ({ arbitrary, weight: 1 });
  const cases: Array<{ arbitrary: fc.Arbitrary<FuzzRequest>; weight: number }> = [
    // Truncated JSON: any strict prefix of a valid request.
    cheap(
      seedText
        .chain((text) => fc.integer({ min: 0, max: text.length - 1 }).map((end) => asRequest(text.slice(0, end), `truncated at ${end}`)))
        .filter(refusable),
    ),
    ...(seeds.parksUnmappable ? [] : [cheap(notADocumentOf(seeds).map((text) => asRequest(text, "JSON that is not an object")))]),
    cheap(
      fc
        .string({ unit: "grapheme", maxLength: 200 })
        .filter((text) => !/^\s*[[{]/.test(text))
        .map((text) => asRequest(text, "random text"))
        .filter(refusable),
    ),
    cheap(
      fc
        .uint8Array({ maxLength: 300 })
        .map((bytes) => asRequest(Buffer.from(bytes), "random bytes as base64"))
        .filter(refusable),
    ),
    cheap(
      fc
        .constantFrom<string | undefined>(undefined, "", " ", "\n\t ", "\u0000")
        .map((body) => asRequest(body, "empty body"))
        .filter(refusable),
    ),
    cheap(fc.tuple(seedText, notJsonType).map(([text, type]) => asRequest(text, `content-type ${type}`, { "content-type": type }))),
    cheap(fc.tuple(seedText, notAnEncoding).map(([text, encoding]) => asRequest(text, `content-encoding ${encoding}`, { "content-encoding": encoding }))),
    cheap(seedText.map((text) => asRequest(text, "marked gzip but plain", { "content-encoding": "gzip" }))),
    cheap(
      seedText.chain((text) => {
        const gzip = gzipSync(text);
        return fc.integer({ min: 0, max: gzip.length - 9 }).map((end) => asRequest(gzip.subarray(0, end), "truncated gzip", { "content-encoding": "gzip" }));
      }),
    ),
    // Unescaped control characters inside a string are not JSON.
    cheap(
      fc
        .tuple(seedText, fc.integer({ min: 0, max: 0x1f }))
        .map(([text, code]) => asRequest(text.replace(/":"/, `":"${String.fromCharCode(code)}`), "raw control character")),
    ),
    // Nesting past the limit, anywhere in a valid request.
    costly(
      fc.tuple(seed, fc.integer({ min: seeds.limits.maxDepth + 1, max: 5000 })).chain(([value, depth]) =>
        fc.constantFrom(...pathsOf(value).filter((path) => path.length > 0)).map((path) => {
          const marker = "\u0001deep\u0001";
          const text = JSON.stringify(edit(value, path, (parent, key) => (parent[key] = marker))).replace(
            JSON.stringify(marker),
            `${"[".repeat(depth)}${"]".repeat(depth)}`,
          );
          return asRequest(text, `${depth} levels at ${path.join(".")}`);
        }),
      ),
    ),
    costly(fc.constantFrom(10_000, 100_000).map((depth) => asRequest(`${"[".repeat(depth)}${"]".repeat(depth)}`, `${depth} levels`))),
    // Over the body size: one huge string value, or padding.
    costly(
      fc
        .tuple(seed, fc.constantFrom(0, 1, 1000))
        .chain(([value, extra]) =>
          fc
            .constantFrom(...pathsOf(value).filter((path) => path.length > 0))
            .map((path) =>
              asRequest(
                JSON.stringify(edit(value, path, (parent, key) => (parent[key] = "x".repeat(seeds.limits.maxBodyBytes + extra)))),
                `huge string at ${path.join(".")}`,
              ),
            ),
        ),
    ),
    costly(
      seedText.map((text) => asRequest(gzipSync(text + " ".repeat(seeds.limits.maxDecodedBytes)), "inflates past the limit", { "content-encoding": "gzip" })),
    ),
  ];
  if (items) {
    cases.push(
      costly(
        seed.map((value) =>
          asRequest(JSON.stringify({ ...(value as object), [items.field]: Array.from({ length: items.max + 1 }, () => 0) }), `${items.max + 1} ${items.field}`),
        ),
      ),
    );
  }
  if (seeds.authorization) {
    const authorization = seeds.authorization;
    const wrongAuthorization = fc
      .oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom(
          "",
          "Bearer",
          "Token",
          "Bearer ",
          "Token  ",
          `${authorization}x`,
          authorization.toUpperCase(),
          "Basic dXNlcjpwYXNz",
          "REPLACE_ME_braze_token",
          "Bearer REPLACE_ME_braze_token",
          "Token REPLACE_ME_mparticle_token",
        ),
      )
      .filter((value) => value.trim() !== authorization && !value.trim().toLowerCase().startsWith(`${authorization.toLowerCase()} `));
    cases.push(
      cheap(
        fc
          .tuple(seedText, wrongAuthorization)
          .map(([text, presented]) => asRequest(text, `authorization ${JSON.stringify(presented)}`, { authorization: presented })),
      ),
    );
  }
  return fc.oneof(...cases);
}

/** Mutations of valid requests: some stay valid (2xx, enqueued), the rest must be 4xx. */
function mutatedRequests(seeds: RouteSeeds): fc.Arbitrary<FuzzRequest> {
  const valid = seeds.valid();
  const anyPath = fc.constantFrom(...valid).chain((value) => fc.tuple(fc.constant(value), fc.constantFrom(...pathsOf(value))));
  const objectPath = fc.constantFrom(...valid).chain((value) => fc.tuple(fc.constant(value), fc.constantFrom(...objectPaths(value))));
  const asJson = (value: Json, what: string) => asRequest(JSON.stringify(value), what);
  return fc.oneof(
    // A wrong type (or a strange value) at every field path of a valid request.
    fc.tuple(anyPath, strangeValue).map(([[value, path], replacement]) =>
      asJson(
        edit(value, path, (parent, key) => (parent[key] = replacement)),
        `${JSON.stringify(replacement)?.slice(0, 40)} at ${path.join(".")}`,
      ),
    ),
    anyPath.map(([value, path]) =>
      asJson(
        edit(value, path, (parent, key) => (Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key])),
        `without ${path.join(".")}`,
      ),
    ),
    // Prototype keys as own properties, as JSON.parse makes them.
    fc
      .tuple(objectPath, fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty"), strangeValue)
      .map(([[value, path], key, replacement]) => {
        const copy = structuredClone(value);
        Object.defineProperty(at(copy, path), key, { value: replacement, enumerable: true, configurable: true, writable: true });
        return asJson(copy, `key ${key} at ${path.join(".")}`);
      }),
    // Duplicate keys: JSON.parse keeps the last one.
    fc.tuple(objectPath, strangeValue).map(([[value, path], replacement]) => {
      const target = at(value, path) as Record<string, Json>;
      const key = Object.keys(target)[0] ?? "type";
      const marker = "\u0001dup\u0001";
      const text = JSON.stringify(edit(value, [...path, marker], (parent) => (parent[marker] = replacement))).replace(
        JSON.stringify(marker),
        JSON.stringify(key),
      );
      return asRequest(text, `duplicate key ${key} at ${path.join(".")}`);
    }),
    // JSON that is no document at all (parked on the doors that park what they cannot read).
    fc.constantFrom("[]", "null", "0", '"events"', "true", "[1]", "{}").map((text) => asRequest(text, `the document ${text}`)),
    // The same documents, base64-encoded or gzipped as API Gateway passes them.
    fc
      .tuple(fc.constantFrom(...valid), fc.boolean())
      .map(([value, gzip]) =>
        gzip ? asRequest(gzipSync(JSON.stringify(value)), "gzip", { "content-encoding": "gzip" }) : asRequest(JSON.stringify(value), "base64", {}, true),
      ),
  );
}

interface Answer {
  status: number;
  body: { error?: { message?: unknown; field?: unknown } };
}

function checkAnswer(answer: Answer, request: FuzzRequest, allowSuccess: boolean, parksUnmappable = false): void {
  const { status, body } = answer;
  const context = `${request.what}: ${status} ${JSON.stringify(body).slice(0, 300)}`;
  if (allowSuccess && status >= 200 && status < 300) return;
  expect(status >= 400 && status < 500, context).toBe(true);
  expect(typeof body.error?.message, context).toBe("string");
  expect(typeof body.error?.field === "string" && body.error.field !== "", context).toBe(true);
  // A door that parks what it cannot read refuses a JSON body only for its limits: too large (413) or
  // too deep / too many batches (400 about the body as a whole), never for a field inside a document.
  if (allowSuccess && parksUnmappable) expect(status === 413 || body.error?.field === "body", `${context}: a JSON body refused for a field`).toBe(true);
}

describe.each(HTTP_FUNCTIONS.map((fn) => [fn.trigger.path, fn] as const))("fuzzing POST %s", (path, route: HttpFunction) => {
  const seeds = SEEDS[path];
  let handler: Handler;
  let queues: EmbeddedSqs;
  let cleanup: () => Promise<void>;
  let queueUrls: string[];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    if (!seeds) return;
    process.on("unhandledRejection", onUnhandled);
    cleanup = await useSecrets();
    queues = await startEmbeddedSqs();
    queueUrls = route.sendsTo.map((ref) => (ref.deadLetter ? queues.queueUrls[ref.destination].dlq : queues.queueUrls[ref.destination].queue));
    handler = await loadHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(route.name);
  });
  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await queues?.stop();
    await cleanup?.();
  });

  async function send(request: FuzzRequest): Promise<Answer> {
    const headers = { ...(seeds?.authorization ? { authorization: seeds.authorization } : {}), ...request.headers };
    const response = await handler(httpApiEvent(path, request.body, { headers, base64: request.base64 }), lambdaContext(route.name, 10, "us-east-1"));
    let body: Answer["body"];
    try {
      body = JSON.parse(String(response.body)) as Answer["body"];
    } catch {
      throw new Error(`${request.what}: answer is not JSON: ${String(response.body).slice(0, 200)}`);
    }
    return { status: response.statusCode ?? 0, body };
  }

  async function enqueued(urls = queueUrls): Promise<number> {
    const counts = await Promise.all(
      urls.map((url) =>
        queues.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"] }),
        ),
      ),
    );
    return counts.reduce(
      (sum, result) => sum + Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(result.Attributes?.ApproximateNumberOfMessagesDelayed ?? 0),
      0,
    );
  }

  /**
   * What a 2xx of the mParticle Webhook door says it did is what the queues hold: its work items enqueued,
   * its parked documents in the DLQ, so nothing it took is lost and nothing is half-enqueued. The Firehose
   * doors answer the request's `*_response`.
   */
  async function checkAccounted(answer: Answer, request: FuzzRequest): Promise<void> {
    const context = `${request.what}: ${JSON.stringify(answer.body).slice(0, 300)}`;
    const counts = answer.body as { workItems?: number; parked?: number; type?: unknown };
    if (path === "/mparticle/webhook") {
      const [queue, dlq] = route.sendsTo.map((ref) => (ref.deadLetter ? queues.queueUrls[ref.destination].dlq : queues.queueUrls[ref.destination].queue));
      expect(await enqueued([defined(queue)]), context).toBe(counts.workItems);
      expect(await enqueued([defined(dlq)]), context).toBe(counts.parked);
    } else if (path.startsWith("/mparticle/")) {
      expect(String(counts.type), context).toMatch(/_response$/);
    }
  }

  it("has seed requests from the fixtures", () => {
    expect(seeds, `add seeds for ${path} to the fuzz table`).toBeDefined();
    for (const valid of defined(seeds).valid()) expect(pathsOf(valid).length).toBeGreaterThan(1);
  });

  it(`refuses ${REFUSED_RUNS} hostile requests with a 4xx JSON error naming the field, enqueuing nothing`, async () => {
    await fc.assert(
      fc.asyncProperty(refusedRequests(defined(seeds)), async (request) => checkAnswer(await send(request), request, false)),
      { numRuns: REFUSED_RUNS, seed: FUZZ_SEED, endOnFailure: true },
    );
    expect(await enqueued()).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it.runIf(seeds?.emptyIsCheck)(
    "answers authenticated JSON that is no document with 2xx, parking it whole in each DLQ, and an empty body with 2xx",
    async () => {
      const deadLetterUrls = route.sendsTo.filter((ref) => ref.deadLetter).map((ref) => queues.queueUrls[ref.destination].dlq);
      const workQueueUrls = route.sendsTo.filter((ref) => !ref.deadLetter).map((ref) => queues.queueUrls[ref.destination].queue);
      await fc.assert(
        fc.asyncProperty(fc.oneof(notADocumentOf(defined(seeds)), fc.constantFrom("", " ", "\n")), async (text) => {
          const answer = await send(asRequest(text, `${JSON.stringify(text).slice(0, 60)} as the body`));
          expect(answer.status, text).toBe(200);
          for (const url of workQueueUrls) expect(await drainVisible(queues.sqs, url), text).toEqual([]);
          for (const url of deadLetterUrls) {
            const parked = (await drainVisible(queues.sqs, url)).map((message) =>
              (JSON.parse(message.Body ?? "{}") as { events: Array<{ event: unknown }> }).events.map(({ event }) => event),
            );
            expect(parked, text).toEqual(text.trim() === "" ? [] : [[JSON.parse(text)]]);
          }
        }),
        { numRuns: 100, seed: FUZZ_SEED, endOnFailure: true },
      );
      expect(unhandled).toEqual([]);
    },
  );

  /** Sends a request that may be valid; a refused one must leave the queues empty. Counts what got through. */
  async function sendMaybeValid(request: FuzzRequest): Promise<boolean> {
    const answer = await send(request);
    checkAnswer(answer, request, true, defined(seeds).parksUnmappable);
    if (answer.status < 300) {
      if (defined(seeds).parksUnmappable) await checkAccounted(answer, request);
      await Promise.all(queueUrls.map((url) => queues.sqs.send(new PurgeQueueCommand({ QueueUrl: url }))));
      return true;
    }
    if (queueUrls.length > 0) expect(await enqueued(), `${request.what} was refused but enqueued`).toBe(0);
    return false;
  }

  it("answers a value of each wrong type at every field path of every seed with a 2xx or a 4xx naming the field", async () => {
    let cases = 0;
    for (const valid of defined(seeds).valid()) {
      for (const fieldPath of pathsOf(valid).filter((candidate) => candidate.length > 0)) {
        for (const replacement of wrongTypes(at(valid, fieldPath))) {
          await sendMaybeValid(
            asRequest(
              JSON.stringify(edit(valid, fieldPath, (parent, key) => (parent[key] = replacement))),
              `${JSON.stringify(replacement)} at ${fieldPath.join(".")}`,
            ),
          );
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(defined(seeds).valid().length);
    expect(unhandled).toEqual([]);
  });

  it(`answers ${MUTATED_RUNS} mutated valid requests with a 2xx or a 4xx naming the field; a refused one enqueues nothing`, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(mutatedRequests(defined(seeds)), async (request) => {
        if (await sendMaybeValid(request)) accepted++;
      }),
      { numRuns: MUTATED_RUNS, seed: FUZZ_SEED, endOnFailure: true },
    );
    // The mutations are not all refusals: some valid requests get through, so success is exercised too.
    expect(accepted).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
  });
});
