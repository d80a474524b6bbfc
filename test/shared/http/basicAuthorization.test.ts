import { describe, expect, it } from "vitest";
import { basicAuthorization } from "../../../shared/http/basicAuthorization.js";

describe("basicAuthorization", () => {
  it("is RFC 7617's Basic base64(user:password), an empty password allowed", () => {
    expect(basicAuthorization("Aladdin", "open sesame")).toBe("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    expect(basicAuthorization("token", "")).toBe(`Basic ${Buffer.from("token:").toString("base64")}`);
  });
});
