import { describe, expect, it } from "vitest";
import { toPushwooshDate, toTypedValue } from "../../../../shared/flows/mparticleToPushwoosh/tags.js";
import { withEnv } from "../../../support/env.js";

describe("a date without a zone", () => {
  // Lambda runs in UTC, `npm start` in the host's zone: the tag must not depend on which.
  it.each(["America/New_York", "Asia/Kolkata"])("is read as UTC also where the host's zone is %s", (zone) => {
    const [date, typed] = withEnv({ TZ: zone }, () => [toPushwooshDate("2024-05-01T19:05:44"), toTypedValue("2024-05-01 08:30")]);

    expect(date).toBe("2024-05-01 19:05");
    expect(typed).toBe("2024-05-01 08:30");
  });
});
