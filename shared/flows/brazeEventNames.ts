/**
 * Our readable event names ("Push Notification Send", "Email Delivery", "Canvas Entry"): message events are
 * `<channel> <action>`; the rest are listed; an event type Braze adds later gets a name built from its own
 * words. Each Braze flow has its own table of the names Braze's own connector uses for that destination
 * (brazeToMixpanel.ts, brazeToMparticle.ts) and falls back to these.
 */
const NAMED_EVENTS: Record<string, string> = {
  "users.behaviors.CustomEvent": "Custom Event",
  "users.behaviors.Purchase": "Purchase",
  "users.behaviors.Uninstall": "Uninstall",
  "users.behaviors.Location": "Location",
  "users.behaviors.InstallAttribution": "Install Attribution",
  "users.behaviors.app.FirstSession": "First Session",
  "users.behaviors.app.SessionStart": "Session Start",
  "users.behaviors.app.SessionEnd": "Session End",
  "users.behaviors.liveactivity.PushToStartTokenChange": "Live Activity Push To Start Token Change",
  "users.behaviors.liveactivity.UpdateTokenChange": "Live Activity Update Token Change",
  "users.behaviors.pushnotification.TokenStateChange": "Push Notification Token State Change",
  "users.behaviors.subscription.GlobalStateChange": "Global Subscription State Change",
  "users.behaviors.subscriptiongroup.StateChange": "Subscription Group State Change",
  "users.campaigns.Conversion": "Campaign Conversion",
  "users.campaigns.EnrollInControl": "Campaign Control Group Enrollment",
  "users.canvas.Conversion": "Canvas Conversion",
  "users.canvas.Entry": "Canvas Entry",
  "users.canvas.costep.Send": "Canvas Content Optimizer Step Send",
  "users.canvas.exit.MatchedAudience": "Canvas Exit Matched Audience",
  "users.canvas.exit.PerformedEvent": "Canvas Exit Performed Event",
  "users.canvas.experimentstep.Conversion": "Canvas Experiment Step Conversion",
  "users.canvas.experimentstep.SplitEntry": "Canvas Experiment Step Split Entry",
  "users.canvasstep.Progression": "Canvas Step Progression",
  "agentconsole.AgentExecuted": "Agent Executed",
  "agentconsole.ToolInvocation": "Agent Tool Invocation",
};

/** `users.messages.<channel>.<Action>`: the channel's name, then the action's words. */
const MESSAGE_CHANNELS: Record<string, string> = {
  banner: "Banner",
  contentcard: "Content Card",
  email: "Email",
  featureflag: "Feature Flag",
  inappmessage: "In-App Message",
  line: "LINE",
  liveactivity: "Live Activity",
  newsfeedcard: "News Feed Card",
  pushnotification: "Push Notification",
  rcs: "RCS",
  sms: "SMS",
  webhook: "Webhook",
  whatsapp: "WhatsApp",
};

const WORD_OVERRIDES: Record<string, string> = { Ios: "iOS" };
/** Compiled once: naming runs per event per destination. */
const WORD_BOUNDARY = /(?<=[a-z0-9])(?=[A-Z])/;
/** Names built from words, per event type (a few dozen exist); capped so odd input cannot grow it. */
const builtNames = new Map<string, string>();
const BUILT_NAMES_MAX = 1000;

/** "MarkAsSpam" → "Mark As Spam", "IosForeground" → "iOS Foreground", "costep" → "Costep". */
function words(segment: string): string {
  return segment
    .split(WORD_BOUNDARY)
    .map((word) => WORD_OVERRIDES[word] ?? word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

export function readableEventName(eventType: string): string {
  const named = NAMED_EVENTS[eventType] ?? builtNames.get(eventType);
  if (named) return named;
  const built = nameFromWords(eventType);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a cache; the name is the same whether it is stored or not.
  if (builtNames.size < BUILT_NAMES_MAX) builtNames.set(eventType, built);
  return built;
}

function nameFromWords(eventType: string): string {
  const segments = eventType.split(".").filter(Boolean);
  if (segments[0] === "users") segments.shift();
  if (segments[0] === "messages" && segments.length === 3) {
    const [, channel, action] = segments as [string, string, string];
    return `${MESSAGE_CHANNELS[channel] ?? words(channel)} ${words(action)}`;
  }
  return segments.map((segment) => MESSAGE_CHANNELS[segment] ?? words(segment)).join(" ") || eventType;
}
