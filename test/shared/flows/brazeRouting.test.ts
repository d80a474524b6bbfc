import { describe, expect, it } from "vitest";
import { currentRouting, currentsRoutes, patternToRegExp } from "../../../shared/flows/brazeRouting.js";
import { currentsDestinationsOf } from "../../support/currentsDestinations.js";
import { withEnv } from "../../support/env.js";
import { fixtureEventTypes } from "../sources/braze/factories.js";

const ROUTING_VARIABLES = {
  BRAZE_TO_MPARTICLE: undefined,
  BRAZE_TO_MIXPANEL: undefined,
  BRAZE_MPARTICLE_EVENT_TYPES: undefined,
  BRAZE_MIXPANEL_EVENT_TYPES: undefined,
};
const routingFromEnv = (vars: Record<string, string>) => withEnv({ ...ROUTING_VARIABLES, ...vars }, currentRouting);

describe("patternToRegExp", () => {
  it("treats * as any run of characters and the rest literally", () => {
    const pattern = patternToRegExp("users.messages.*.Send");

    expect(pattern.test("users.messages.email.Send")).toBe(true);
    expect(pattern.test("users.messages.email.SendX")).toBe(false);
    expect(pattern.test("usersXmessages.email.Send")).toBe(false);
    expect(pattern.test("x.users.messages.email.Send")).toBe(false);
    expect(pattern.test("users.messages.a.b.Send")).toBe(true);
  });

  it.each([
    ["a+b", "a+b", "aab"],
    ["a?b", "a?b", "b"],
    ["^a$", "^a$", "a"],
    ["a{2}", "a{2}", "aa"],
    ["(a|b)", "(a|b)", "a"],
    ["[ab]", "[ab]", "a"],
    ["a\\d", "a\\d", "a1"],
  ])("takes the regular expression characters of %s literally", (pattern, literal, other) => {
    expect(patternToRegExp(pattern).test(literal)).toBe(true);
    expect(patternToRegExp(pattern).test(other)).toBe(false);
  });

  it("matches a pattern without * only as a whole", () => {
    expect(patternToRegExp("users.behaviors.Purchase").test("users.behaviors.Purchase")).toBe(true);
    expect(patternToRegExp("users.behaviors.Purchase").test("users.behaviors.PurchaseRefund")).toBe(false);
    expect(patternToRegExp("*").test("anything.at.all")).toBe(true);
  });
});

describe("default routing", () => {
  const routing = routingFromEnv({});

  it.each([
    ["users.messages.pushnotification.Send", ["mparticle", "mixpanel"]],
    ["users.messages.email.Delivery", ["mparticle", "mixpanel"]],
    ["users.campaigns.Conversion", ["mparticle", "mixpanel"]],
    ["users.canvas.Entry", ["mparticle", "mixpanel"]],
    ["users.canvasstep.Progression", ["mparticle", "mixpanel"]],
    ["users.behaviors.Uninstall", ["mparticle", "mixpanel"]],
    ["users.behaviors.subscription.GlobalStateChange", ["mparticle", "mixpanel"]],
    ["users.behaviors.subscriptiongroup.StateChange", ["mparticle", "mixpanel"]],
    ["users.behaviors.CustomEvent", ["mixpanel"]],
    ["users.behaviors.Purchase", ["mixpanel"]],
    ["users.behaviors.app.SessionStart", ["mixpanel"]],
    ["users.behaviors.app.FirstSession", ["mixpanel"]],
    ["users.behaviors.Location", ["mixpanel"]],
    ["users.behaviors.InstallAttribution", ["mixpanel"]],
    ["users.behaviors.pushnotification.TokenStateChange", ["mixpanel"]],
    ["users.behaviors.liveactivity.UpdateTokenChange", ["mixpanel"]],
    ["users.RandomBucketNumberUpdate", []],
    ["agentconsole.ToolInvocation", []],
    ["users.messages.telegram.Send", ["mparticle", "mixpanel"]],
  ])("routes %s to %j", (eventType, expected) => {
    expect(currentsDestinationsOf(eventType, routing)).toEqual(expected);
  });

  it("sends every mParticle event type to Mixpanel too", () => {
    const mparticleTypes = fixtureEventTypes().filter((type) => currentsDestinationsOf(type, routing).includes("mparticle"));

    expect(mparticleTypes.length).toBeGreaterThan(60);
    for (const type of mparticleTypes) expect(currentsDestinationsOf(type, routing)).toContain("mixpanel");
  });
});

describe("configured routing", () => {
  it("takes comma-separated patterns per destination", () => {
    const routing = routingFromEnv({ BRAZE_MPARTICLE_EVENT_TYPES: " users.behaviors.*, users.messages.email.* " });

    expect(currentsDestinationsOf("users.behaviors.Purchase", routing)).toEqual(["mparticle", "mixpanel"]);
    expect(currentsDestinationsOf("users.messages.sms.Send", routing)).toEqual(["mixpanel"]);
  });

  it("switches a destination off", () => {
    const routing = routingFromEnv({ BRAZE_TO_MIXPANEL: "off", BRAZE_TO_MPARTICLE: "on" });

    expect(currentsDestinationsOf("users.messages.sms.Send", routing)).toEqual(["mparticle"]);
    expect(currentsDestinationsOf("users.behaviors.Purchase", routing)).toEqual([]);
  });

  it("refuses a switch that is neither on nor off", () => {
    expect(() => routingFromEnv({ BRAZE_TO_MPARTICLE: "yes" })).toThrow('BRAZE_TO_MPARTICLE must be "on" or "off"');
  });
});

describe("currentsRoutes", () => {
  it("gives one route per enabled destination, named by its flow", () => {
    const routes = currentsRoutes(routingFromEnv({ BRAZE_TO_MIXPANEL: "off" }));

    expect(routes.map((route) => [route.flow, route.destination])).toEqual([["braze-to-mparticle", "mparticle"]]);
    expect(routes[0]?.takes("users.canvas.Entry")).toBe(true);
    expect(routes[0]?.takes("users.behaviors.Purchase")).toBe(false);
  });

  it("gives both routes in the default routing, each taking its own types", () => {
    const routes = currentsRoutes(routingFromEnv({}));

    expect(routes.map((route) => [route.flow, route.destination])).toEqual([
      ["braze-to-mparticle", "mparticle"],
      ["braze-to-mixpanel", "mixpanel"],
    ]);
    expect(routes.map((route) => route.takes("users.behaviors.Purchase"))).toEqual([false, true]);
  });

  it("reads the routing from the settings when given none", () => {
    const routes = withEnv({ ...ROUTING_VARIABLES, BRAZE_TO_MPARTICLE: "off", BRAZE_MIXPANEL_EVENT_TYPES: "users.canvas.*" }, () => currentsRoutes());

    expect(routes.map((route) => route.destination)).toEqual(["mixpanel"]);
    expect(routes[0]?.takes("users.canvas.Entry")).toBe(true);
    expect(routes[0]?.takes("users.behaviors.Purchase")).toBe(false);
  });
});
