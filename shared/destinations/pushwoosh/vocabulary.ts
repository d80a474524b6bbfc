/**
 * Pushwoosh's fixed values, apart from the call schemas: ingest needs them (to check PUSHWOOSH_TAG_TYPES and
 * pick device types) without building every schema of schema.ts at its cold start.
 */

/** Pushwoosh device types we register (1 iOS, 3 Android, 10 Safari, 11 Chrome, 12 Firefox). */
export const DEVICE_TYPES = { ios: 1, android: 3, safari: 10, chrome: 11, firefox: 12 } as const;
export type DeviceType = (typeof DEVICE_TYPES)[keyof typeof DEVICE_TYPES];

/** The types a Pushwoosh tag is created with, fixed from then on (docs.pushwoosh.com/platform-docs/api-reference/tags). */
export const TAG_TYPES = ["string", "integer", "decimal", "boolean", "date", "list"] as const;
export type TagType = (typeof TAG_TYPES)[number];
