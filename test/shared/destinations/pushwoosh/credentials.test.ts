import { describe, expect, it } from "vitest";
import { openCredentials, sealCredentials } from "../../../../shared/destinations/pushwoosh/credentials.js";
import { PermanentError } from "../../../../shared/errors.js";
import { PUSHWOOSH_CREDENTIALS } from "../../sources/mparticle/factories.js";

describe("sealed Pushwoosh credentials", () => {
  it("open with the same inbound token and reveal nothing in the sealed form", () => {
    const sealed = sealCredentials(PUSHWOOSH_CREDENTIALS, "inbound-token");

    expect(openCredentials(sealed, "inbound-token")).toEqual(PUSHWOOSH_CREDENTIALS);
    for (const value of Object.values(PUSHWOOSH_CREDENTIALS)) expect(sealed).not.toContain(value);
  });

  it("are sealed once per credentials and key in a container, each plaintext under its own IV", () => {
    const sealed = sealCredentials(PUSHWOOSH_CREDENTIALS, "inbound-token");
    const other = sealCredentials({ ...PUSHWOOSH_CREDENTIALS, apiToken: "another-token" }, "inbound-token");
    const otherKey = sealCredentials(PUSHWOOSH_CREDENTIALS, "another-inbound-token");
    const ivOf = (form: string) => form.split(".")[1];

    expect(sealCredentials({ ...PUSHWOOSH_CREDENTIALS }, "inbound-token")).toBe(sealed);
    expect(new Set([ivOf(sealed), ivOf(other), ivOf(otherKey)]).size).toBe(3);
    expect(openCredentials(other, "inbound-token")).toEqual({ ...PUSHWOOSH_CREDENTIALS, apiToken: "another-token" });
  });

  it("stay sealed once the container has sealed more credentials than it keeps", () => {
    const forms = Array.from({ length: 600 }, (_, n) => sealCredentials({ ...PUSHWOOSH_CREDENTIALS, applicationCode: `APP-${n}` }, "inbound-token"));

    expect(forms.map((form) => openCredentials(form, "inbound-token").applicationCode)).toEqual(forms.map((_, n) => `APP-${n}`));
    expect(openCredentials(sealCredentials(PUSHWOOSH_CREDENTIALS, "inbound-token"), "inbound-token")).toEqual(PUSHWOOSH_CREDENTIALS);
  });

  it("do not open after the inbound token was rotated, and the error names no secret", () => {
    const sealed = sealCredentials(PUSHWOOSH_CREDENTIALS, "old-token");

    const attempt = () => openCredentials(sealed, "new-token");

    expect(attempt).toThrow(PermanentError);
    expect(attempt).toThrow(/rotated/);
    expect(attempt).not.toThrow(/device-api-token|old-token|new-token/);
  });

  it("open with the previous token during a rotation (current first, then previous)", () => {
    const sealedBefore = sealCredentials(PUSHWOOSH_CREDENTIALS, "old-token");
    const sealedAfter = sealCredentials(PUSHWOOSH_CREDENTIALS, "new-token");

    expect(openCredentials(sealedBefore, "new-token", "old-token")).toEqual(PUSHWOOSH_CREDENTIALS);
    expect(openCredentials(sealedAfter, "new-token", "old-token")).toEqual(PUSHWOOSH_CREDENTIALS);
    expect(() => openCredentials(sealedBefore, "new-token", "other-token")).toThrow(/rotated/);
  });

  it("refuse tampered ciphertext", () => {
    const [version, iv, ciphertext, tag] = sealCredentials(PUSHWOOSH_CREDENTIALS, "inbound-token").split(".");
    const flipped = Buffer.from(ciphertext ?? "", "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;

    expect(() => openCredentials([version, iv, flipped.toString("base64url"), tag].join("."), "inbound-token")).toThrow(PermanentError);
    expect(() => openCredentials("v1.only-two", "inbound-token")).toThrow(/malformed/);
  });
});
