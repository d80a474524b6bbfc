import { environmentVariable } from "./environment.js";

/** Non-secret settings from the environment, read on each call so tests and the local stack can set them. */
export const PARTNER_URL_DEFAULTS = {
  PUSHWOOSH_API_URL: "https://api.pushwoosh.com",
  MPARTICLE_API_URL: "https://s2s.mparticle.com",
  MIXPANEL_API_URL: "https://api.mixpanel.com",
} as const;
export type PartnerUrlVariable = keyof typeof PARTNER_URL_DEFAULTS;

/** A partner's base URL without a trailing slash; clients append the documented paths. */
export function partnerBaseUrl(variable: PartnerUrlVariable): string {
  return (environmentVariable(variable) || PARTNER_URL_DEFAULTS[variable]).replace(/\/+$/, "");
}

/** Milliseconds a partner call may take before it counts as a (retryable) timeout. */
export function partnerTimeoutMs(): number {
  const configured = Number(environmentVariable("PARTNER_TIMEOUT_MS"));
  return Number.isFinite(configured) && configured > 0 ? configured : 10_000;
}
