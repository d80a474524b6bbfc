import { hash } from "node:crypto";
import type { RegisterDeviceCall } from "../../destinations/pushwoosh/schema.js";
import { DEVICE_TYPES, type DeviceType } from "../../destinations/pushwoosh/vocabulary.js";
import type { Device, Platform, TokenKind } from "../../sources/mparticle/model.js";
import type { Identity } from "../../sources/mparticle/schema.js";
import type { PushwooshMappingSettings } from "./settings.js";

// Devices and users: mParticle's identities and devices as Pushwoosh's user ids, hwids and device types.

const FIREFOX = /Firefox\//;
const CHROMIUM = /(Chrome|Chromium|CriOS|Edg|OPR)\//;
const SAFARI = /Safari\//;

/** Pushwoosh device_type from the platform and, for the web, the browser in the User-Agent. */
export function deviceTypeFor(platform: Platform, tokenKind: TokenKind | undefined, userAgent = ""): DeviceType | undefined {
  if (tokenKind === "apns" || (platform === "ios" && tokenKind !== "fcm")) return DEVICE_TYPES.ios;
  if (tokenKind === "fcm" || platform === "android") return DEVICE_TYPES.android;
  if (platform !== "web") return undefined;
  if (FIREFOX.test(userAgent)) return DEVICE_TYPES.firefox;
  if (CHROMIUM.test(userAgent)) return DEVICE_TYPES.chrome;
  if (SAFARI.test(userAgent)) return DEVICE_TYPES.safari;
  return undefined;
}

/** A stable hwid for a device that has no id of its own: the token's hash (the token is the device). */
export function hwidFromToken(token: string): string {
  return hash("sha256", token, "hex").slice(0, 32);
}

/** The Pushwoosh user id: the raw customer id (unless configured to `mpid`), else the mpid; never a hash. */
export function userIdOf(identities: Identity[], mpid: string | undefined, choice: PushwooshMappingSettings["userId"]): string | undefined {
  if (choice === "customer") {
    const customer = identities.find((identity) => identity.type === "customer" && identity.encoding === "raw" && identity.value.trim() !== "");
    if (customer) return customer.value;
  }
  return mpid;
}

/** The Pushwoosh segment (filter) of an mParticle audience. */
export function segmentName(audienceName: string): string {
  return `mParticle: ${audienceName}`;
}

/** The kind of push token a platform's device has when its batch does not say. */
export const TOKEN_KIND_OF_PLATFORM: Record<Platform, TokenKind | undefined> = { ios: "apns", android: "fcm", web: "web", other: undefined };

/** registerDevice for `device` with `token`; undefined when Pushwoosh has no device type for it. */
export function deviceRegistration(device: Device, token: string, kind: TokenKind | undefined, userId: string | undefined): RegisterDeviceCall | undefined {
  const deviceType = deviceTypeFor(device.platform, kind, device.userAgent);
  if (deviceType === undefined) return undefined;
  const call: RegisterDeviceCall = { method: "registerDevice", hwid: device.deviceId ?? hwidFromToken(token), push_token: token, device_type: deviceType };
  if (userId) call.userId = userId;
  if (device.timezoneSeconds !== undefined) call.timezone = device.timezoneSeconds;
  if (device.language) call.language = device.language;
  return call;
}
