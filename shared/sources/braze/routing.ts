import type { Destination } from "../../queue/definition.js";

/** The destinations Braze Currents feeds. */
export const CURRENTS_DESTINATIONS = ["mparticle", "mixpanel"] as const satisfies readonly Destination[];
export type CurrentsDestination = (typeof CURRENTS_DESTINATIONS)[number];

// Braze's "mParticle for Currents" export: message engagement, campaign and canvas events, uninstalls,
// and (group) subscription changes. Mixpanel also gets the behaviours Braze's Mixpanel export sends.
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
];

export const ROUTING_DEFAULTS: Record<CurrentsDestination, { switchVariable: string; typesVariable: string; patterns: readonly string[] }> = {
  mparticle: { switchVariable: "BRAZE_TO_MPARTICLE", typesVariable: "BRAZE_MPARTICLE_EVENT_TYPES", patterns: MPARTICLE_DEFAULT },
  mixpanel: { switchVariable: "BRAZE_TO_MIXPANEL", typesVariable: "BRAZE_MIXPANEL_EVENT_TYPES", patterns: MIXPANEL_DEFAULT },
};

export type CurrentsRouting = Record<CurrentsDestination, { enabled: boolean; patterns: RegExp[] }>;

/** `*` matches any run of characters (dots included); everything else is literal. */
export function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

function readSwitch(variable: string, env: NodeJS.ProcessEnv): boolean {
  const value = (env[variable] ?? "on").trim().toLowerCase();
  if (value === "on" || value === "") return true;
  if (value === "off") return false;
  throw new Error(`${variable} must be "on" or "off"`);
}

/** The routing in force, from the environment (read per request, so a config change needs no code). */
export function routingFromEnv(env: NodeJS.ProcessEnv = process.env): CurrentsRouting {
  const routing = {} as CurrentsRouting;
  for (const destination of CURRENTS_DESTINATIONS) {
    const { switchVariable, typesVariable, patterns } = ROUTING_DEFAULTS[destination];
    const configured = env[typesVariable]?.split(",").map((pattern) => pattern.trim()).filter(Boolean);
    routing[destination] = {
      enabled: readSwitch(switchVariable, env),
      patterns: (configured && configured.length > 0 ? configured : patterns).map(patternToRegExp),
    };
  }
  return routing;
}

/** The enabled destinations that take this event type. */
export function destinationsFor(eventType: string, routing: CurrentsRouting): CurrentsDestination[] {
  return CURRENTS_DESTINATIONS.filter(
    (destination) => routing[destination].enabled && routing[destination].patterns.some((pattern) => pattern.test(eventType)),
  );
}
