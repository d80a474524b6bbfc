import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { APIGatewayProxyResultV2, Context } from "aws-lambda";
import { INBOUND_CREDENTIALS, type RelaySecrets } from "../../shared/config/secrets.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { HTTP_FUNCTIONS, type HttpFunction } from "../../infra/wiring.js";
import type { RouteAuth } from "../../shared/http/routeAuth.js";
import { httpApiEvent } from "../support/httpApiEvent.js";
import { TEST_SECRETS, useSecrets } from "../support/secrets.js";

/**
 * Every route of the wiring, driven from its `auth` entry (infra/wiring.ts): an authenticated route refuses
 * a missing credential, a wrong one, another route's and, with a scheme, its own under another scheme, and
 * lets its own through; a route without auth takes a request without a credential. A new route without an
 * entry fails here by name.
 */

// Each inbound credential distinct, so a route checking the wrong field is refused its own.
const INBOUND = Object.fromEntries(INBOUND_CREDENTIALS.map((field) => [field, `route-auth-${field}`])) as Record<RouteAuth["current"], string>;
const SECRETS: RelaySecrets = { ...TEST_SECRETS, inbound: { ...TEST_SECRETS.inbound, ...INBOUND } };

type Handler = (event: ReturnType<typeof httpApiEvent>, context: Context) => Promise<APIGatewayProxyResultV2>;

const handlers = new Map<string, Handler>();
// Imported in a hook, not in a test: Stryker then counts the modules' top-level code as static (see
// docs/testing.md, "Mutation testing") instead of as covered by whichever test imported it first.
beforeAll(async () => {
  for (const fn of HTTP_FUNCTIONS) handlers.set(fn.name, ((await import(`../../functions/${fn.name}.ts`)) as { handler: Handler }).handler);
});

async function post(fn: HttpFunction, authorization: string | undefined): Promise<{ status: number; body: string }> {
  const handler = handlers.get(fn.name);
  if (!handler) throw new Error(`${fn.name} has no handler`);
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  // Not JSON: past authentication every route answers it 400 without touching a queue (JSON a door cannot map is parked, docs/security.md).
  const result = await handler(httpApiEvent(fn.trigger.path, "{", { headers }), lambdaContext(fn.name, fn.timeoutSeconds, "us-east-1"));
  if (typeof result === "string") throw new Error(`${fn.name} answered a bare string`);
  return { status: result.statusCode ?? 0, body: String(result.body) };
}

function presented(auth: RouteAuth, credential: string, scheme = auth.scheme): string {
  return scheme === null ? credential : `${scheme} ${credential}`;
}

const REFUSED = { error: { message: expect.stringMatching(/^missing or wrong Authorization header/), field: "authorization" } };

describe.each(HTTP_FUNCTIONS.map((fn) => [`${fn.trigger.method} ${fn.trigger.path}`, fn] as const))("authentication of %s", (_route, fn) => {
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    cleanup = await useSecrets(SECRETS);
  });
  afterAll(async () => {
    await cleanup();
  });

  it("is in the route auth table", () => {
    expect(
      fn.trigger.auth,
      `${fn.name}: add an \`auth\` entry to its trigger in infra/wiring.ts (null if the partner sends no credential)`,
    ).not.toBeUndefined();
  });

  const auth = fn.trigger.auth;
  if (auth === undefined) return;
  if (auth === null) {
    it("takes a request without a credential", async () => {
      const answer = await post(fn, undefined);
      expect(answer.status, answer.body).not.toBe(401);
      expect(answer.status, answer.body).toBeLessThan(500);
    });
    return;
  }

  const own = INBOUND[auth.current];
  const otherScheme = auth.scheme === "Token" ? "Bearer" : "Token";
  const refused: Array<[label: string, authorization: string | undefined]> = [
    ["no Authorization header", undefined],
    ["an empty Authorization header", ""],
    ["a wrong credential", presented(auth, `${own}-wrong`)],
    ["its credential with a character changed", presented(auth, `${own.slice(0, -1)}X`)],
    ...INBOUND_CREDENTIALS.filter((field) => field !== auth.current).map((field): [string, string] => [
      `the ${field} credential`,
      presented(auth, INBOUND[field]),
    ]),
    ...(auth.scheme === null
      ? []
      : ([
          [`its credential under ${otherScheme}`, presented(auth, own, otherScheme)],
          ["its bare credential", own],
        ] as Array<[string, string]>)),
  ];
  it.each(refused)("answers 401 to %s", async (_label, authorization) => {
    const answer = await post(fn, authorization);

    expect(answer.status, answer.body).toBe(401);
    expect(JSON.parse(answer.body)).toEqual(REFUSED);
    expect(answer.body).not.toContain(own);
  });

  it(`lets its own ${auth.current} credential through`, async () => {
    const answer = await post(fn, presented(auth, own));

    // Past authentication the body is the route's to judge: not JSON, it is a 4xx naming the body, never 401 or 5xx.
    expect(answer.status, answer.body).not.toBe(401);
    expect(answer.status, answer.body).toBeLessThan(500);
  });
});
