import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultProvider } from "../../infra/bundling/lambdaCredentials.js";

/** The bundles' substitute for the SDK's credential chain: the environment, as Lambda sets it. */
describe("the credential provider the deployed bundles get (infra/bundling/lambdaCredentials.ts)", () => {
  const NAMES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"] as const;
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
    for (const name of NAMES) delete process.env[name];
  });
  afterEach(() => {
    for (const name of NAMES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it("returns the execution role's keys and session token from the environment", async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "ASIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret-example", AWS_SESSION_TOKEN: "session-example" });
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "secret-example",
      sessionToken: "session-example",
    });
  });

  it("reads the environment on each call, so rotated keys are picked up", async () => {
    const provider = defaultProvider();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "first", AWS_SECRET_ACCESS_KEY: "s1" });
    await expect(provider()).resolves.toMatchObject({ accessKeyId: "first" });
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "second", AWS_SECRET_ACCESS_KEY: "s2" });
    await expect(provider()).resolves.toMatchObject({ accessKeyId: "second" });
  });

  it("fails with the SDK's own message when the variables are missing, and tries nothing else", async () => {
    process.env.AWS_PROFILE = "would-be-used-by-the-full-chain";
    await expect(defaultProvider()()).rejects.toThrow("Unable to find environment variable credentials");
  });
});
