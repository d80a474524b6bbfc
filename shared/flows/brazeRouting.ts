import { listSetting, switchSetting } from "../config/settings.js";
import type { BrazeRoute } from "../sources/braze/accept.js";
import type { Destination } from "../queue/definition.js";

/** The destinations Braze Currents feeds. */
const CURRENTS_DESTINATIONS = ["mparticle", "mixpanel"] as const satisfies readonly Destination[];
type CurrentsDestination = (typeof CURRENTS_DESTINATIONS)[number];

/** The flow that carries Braze events to each destination. */
export const CURRENTS_FLOWS: Record<CurrentsDestination, string> = { mparticle: "braze-to-mparticle", mixpanel: "braze-to-mixpanel" };

// Braze's "mParticle for Currents" export: message engagement, campaign and canvas events, uninstalls,
// and (group) subscription changes. Mixpanel also gets the behaviours Braze's Mixpanel export sends: every
// type its current glossary has a Mixpanel tab for (brazeGlossary.json; test/shared/flows/brazeGlossary.test.ts).
const MPARTICLE_DEFAULT = [
  "users.messages.*",
  "users.campaigns.*",
  "users.canvas.*",
  "users.canvasstep.*",
  "users.behaviors.Uninstall",
  "users.behaviors.subscription.*",
  "users.behaviors.subscriptiongroup.*",
];
const MIXPANEL_DEFAULT = [
  ...MPARTICLE_DEFAULT,
  "users.behaviors.CustomEvent",
  "users.behaviors.Purchase",
  "users.behaviors.app.*",
  "users.behaviors.Location",
  "users.behaviors.InstallAttribution",
  "users.behaviors.liveactivity.*",
  "users.behaviors.pushnotification.TokenStateChange",
];

export const ROUTING_DEFAULTS: Record<CurrentsDestination, { switchVariable: string; typesVariable: string; patterns: readonly string[] }> = {
  mparticle: { switchVariable: "BRAZE_TO_MPARTICLE", typesVariable: "BRAZE_MPARTICLE_EVENT_TYPES", patterns: MPARTICLE_DEFAULT },
  mixpanel: { switchVariable: "BRAZE_TO_MIXPANEL", typesVariable: "BRAZE_MIXPANEL_EVENT_TYPES", patterns: MIXPANEL_DEFAULT },
};

export type CurrentsRouting = Record<CurrentsDestination, { enabled: boolean; patterns: RegExp[] }>;

/** The characters a regular expression reads as syntax, escaped when a pattern is read literally. */
const REGEXP_SYNTAX = /[.+?^${}()|[\]\\]/g;

/** Each pattern's expression, built once: the routing is read on every request. */
const compiledPatterns = new Map<string, RegExp>();

/** `*` matches any run of characters (dots included); everything else is literal. */
export function patternToRegExp(pattern: string): RegExp {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    const escaped = pattern.split("*").map((part) => part.replace(REGEXP_SYNTAX, "\\$&"));
    compiled = new RegExp(`^${escaped.join(".*")}$`);
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/** The routing in force, from the settings (read per request, so a config change needs no code). */
export function currentRouting(): CurrentsRouting {
  const routing = {} as CurrentsRouting;
  for (const destination of CURRENTS_DESTINATIONS) {
    const { switchVariable, typesVariable, patterns } = ROUTING_DEFAULTS[destination];
    routing[destination] = {
      enabled: switchSetting(switchVariable),
      patterns: (listSetting(typesVariable) ?? patterns).map(patternToRegExp),
    };
  }
  return routing;
}

/** The ingest side of the Braze flows: one route per enabled destination. */
export function currentsRoutes(routing: CurrentsRouting = currentRouting()): BrazeRoute[] {
  return CURRENTS_DESTINATIONS.filter((destination) => routing[destination].enabled).map((destination) => ({
    flow: CURRENTS_FLOWS[destination],
    destination,
    takes: (eventType: string) => routing[destination].patterns.some((pattern) => pattern.test(eventType)),
  }));
}
