/**
 * What `npm start` sets when it is not set already, on top of the local stack's own defaults: settings
 * for a person trying things by hand, which tests of the local stack do not want (they keep production's).
 * Documented in docs/configuration.md.
 */
export const NPM_START_ENVIRONMENT: Readonly<Record<string, string>> = {
  // Credential failures back off 30× the retry base in production (3¾ hours before they park); 2× parks
  // one within a minute here (1–2, 2–4, 4–8, 8–16 s with RETRY_BASE_SECONDS=1), so the DLQ can be tried.
  RETRY_AUTH_BACKOFF_FACTOR: "2",
};

/** Sets each of NPM_START_ENVIRONMENT that is not set already, before the local stack reads the environment. */
export function applyNpmStartEnvironment(): void {
  for (const [name, value] of Object.entries(NPM_START_ENVIRONMENT)) process.env[name] ||= value;
}
