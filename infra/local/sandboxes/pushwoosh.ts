import { randomUUID } from "node:crypto";
import { sameSecret } from "./credentials.js";
import { PartnerSandbox, type SandboxAnswer, type SandboxOptions, type SandboxRequest } from "./sandbox.js";

/**
 * Pushwoosh as its API reference describes it: the 1.3 JSON API (`{"request": {...}}`, device methods
 * authenticated by `Authorization: Token`, server methods by `request.auth`, body `status_code` 200 or
 * 210 with a message) and the v2 audience bulkSetTags with its status poll. It keeps state (devices,
 * tags per user and device, events, filters) so tests can assert where things end up.
 */
export interface PushwooshCredentials {
  applicationCode: string;
  /** The Device API token: only accepted as `Authorization: Token <token>` on device methods. */
  apiToken: string;
  /** The Server API token: only accepted as `auth` in the body of the other methods; unset, they all answer 401. */
  serverApiToken?: string;
}

export interface PushwooshSandboxOptions extends SandboxOptions {
  /** The one application this Pushwoosh account has, and its tokens; anything else is refused as Pushwoosh refuses it. */
  credentials: PushwooshCredentials;
  /** The events created in the application's Control Panel (Events); postEvent refuses any other name. */
  events?: readonly string[];
}

/**
 * The application `npm start` accepts, to be put in mParticle's account settings (`applicationCode`,
 * `apiToken`, `serverApiToken`) of the requests sent to the local stack. Not secret.
 */
export const DEVELOPMENT_PUSHWOOSH_CREDENTIALS: PushwooshCredentials = {
  applicationCode: "ABCDE-12345",
  apiToken: "device-api-token",
  serverApiToken: "server-api-token",
};

/**
 * The events of the development application: Pushwoosh's screen event and the name of the Firehose samples'
 * custom event (`customEvent`), plus the README's example. Tests create the others with `createEvents`.
 */
export const DEVELOPMENT_PUSHWOOSH_EVENTS: readonly string[] = ["PW_ScreenOpen", "customEvent", "Level Up"];

type Json = Record<string, unknown>;
export type SandboxTagValue = string | number | boolean | string[];

export interface SandboxDevice {
  application: string;
  hwid: string;
  /** Absent once unregisterDevice removed it: the device itself stays. */
  push_token?: string;
  device_type: number;
  userId?: string;
  timezone?: number;
  language?: string;
}

export interface SandboxEvent {
  application: string;
  event: string;
  userId?: string;
  hwid?: string;
  attributes: Json;
  timestampUTC?: number;
  timestampCurrent?: number;
}

export interface SandboxFilter {
  name: string;
  filter_expression: string;
  application?: string;
}

/** The tag types of Pushwoosh (docs.pushwoosh.com/platform-docs/api-reference/tags: addTag / listTags). */
export type SandboxTagType = "Integer" | "String" | "List" | "Date" | "Boolean" | "Decimal";

const DEVICE_METHODS = new Set(["registerDevice", "unregisterDevice", "registerUser", "setTags", "postEvent"]);
const SERVER_METHODS = new Set(["createFilter", "deleteFilter"]);
/**
 * registerDevice's device types (docs.pushwoosh.com/platform-docs/api-reference/device-api, "Possible device
 * types": 1 iOS, 3 Android, 7 OS X, 8 Windows 8, 9 Amazon, 10 Safari, 11 Chrome, 12 Firefox, 17 Huawei, 18 SMS,
 * 19 Xiaomi, 21 WhatsApp; older versions of the page also list 5 Windows Phone and 13 IE11).
 */
const DEVICE_TYPES = new Set([1, 3, 5, 7, 8, 9, 10, 11, 12, 13, 17, 18, 19, 21]);
const EVENT_NAME_MAX = 32;
const BULK_PATH = "/api/v2/audience/bulkSetTags";
/** docs.pushwoosh.com/developer/api-reference/user-centric-api: deleteUser, a v2 device API path. */
const DELETE_USER_PATH = "/api/v2/device-api/deleteUser";
/** Pushwoosh's Date tag format, "YYYY-MM-DD HH:mm" in UTC (device-api registerDevice example). */
const DATE_TAG = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/;

const ok = (response: unknown = null): SandboxAnswer => ({ status: 200, body: { status_code: 200, status_message: "OK", response } });
const argumentError = (message: string): SandboxAnswer => ({ status: 200, body: { status_code: 210, status_message: message, response: null } });
const unauthorized = (): SandboxAnswer => ({ status: 401, body: { status_code: 401, status_message: "Unauthorized", response: null } });
const malformed = (message: string): SandboxAnswer => ({ status: 400, body: { status_code: 400, status_message: message, response: null } });

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** Why a tag value is not one Pushwoosh takes, or undefined when it is. */
function tagValueProblem(name: string, value: unknown): string | undefined {
  if (value === null || ["string", "number", "boolean"].includes(typeof value) || isStringArray(value)) return undefined;
  if (isObject(value) && (value.operation === "append" || value.operation === "remove") && isStringArray(value.value)) return undefined;
  return `Invalid value for tag "${name}"`;
}

/** The type a tag gets from its first value (a list edit makes a List); undefined for null. */
function typeOfValue(value: unknown): SandboxTagType | undefined {
  if (value === null) return undefined;
  if (typeof value === "boolean") return "Boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "Integer" : "Decimal";
  if (typeof value === "string") return DATE_TAG.test(value) ? "Date" : "String";
  return "List";
}

/**
 * Whether a value fits a tag's fixed type. A tag's type is set when the tag is created and is per tag
 * (tags reference: addTag `type`; protocols.md section 5). ASSUMPTION: Pushwoosh documents no answer for a
 * value of another type; the sandbox refuses the call with status_code 210 (the argument error of the
 * device API), where the real service may skip the tag instead.
 */
function fitsType(type: SandboxTagType, value: unknown): boolean {
  const actual = typeOfValue(value);
  if (actual === undefined || actual === type) return true;
  // A Decimal takes whole numbers (JSON has no 20.0); a String takes any string, date-like or not.
  return (type === "Decimal" && actual === "Integer") || (type === "String" && actual === "Date");
}

// ---- Push tokens and hwids per device type, as Pushwoosh and its SDKs document them.

/**
 * "iOS device push tokens are strings with 64 hexadecimal symbols" (docs.pushwoosh.com/platform-docs/
 * knowledge-hub/device-identifiers). Safari's legacy push token is the APNs device token of
 * `safari.pushNotification.permission().deviceToken`, which Pushwoosh's Web SDK registers upper-cased
 * (github.com/Pushwoosh/web-push-notifications src/drivers/safari.ts): 64 hex digits too. The page asks for
 * lower case only when a token TARGETS a device in a request, so registration takes either case.
 */
const APNS_TOKEN = /^[0-9a-f]{64}$/i;
/**
 * "Android device push tokens can differ in length (usually below 255 characters) and typically start with
 * APA91b…; however, it might also have a colon-separated prefix" (device-identifiers page): the FCM
 * registration token's URL-safe alphabet, optionally `<prefix>:`. "Usually below 255" is no limit, so none here.
 */
const FCM_TOKEN = /^[\w-]+(?::[\w-]+)?$/;
/** An E.164 number: "+" and up to 15 digits (device-api reference: "Registering SMS / WhatsApp devices"). */
const E164 = /^\+[1-9]\d{1,14}$/;

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === "https:" && !/\s/.test(value);
  } catch {
    return false;
  }
}

/**
 * Why a push token does not have its device type's form, or undefined when it does (or when Pushwoosh
 * documents no form for that type: 5, 7, 9, 13, 17 Huawei and 19 Xiaomi take any non-empty token).
 * ASSUMPTION: Pushwoosh documents no answer for a malformed token; the sandbox answers the device API's
 * argument error (HTTP 200, status_code 210, the reason in status_message), as for every other bad argument.
 */
function pushTokenProblem(deviceType: number, token: string): string | undefined {
  switch (deviceType) {
    case 1:
      return APNS_TOKEN.test(token) ? undefined : "Invalid push_token for device_type 1 (iOS): an APNs token is 64 hexadecimal characters";
    case 10:
      // ASSUMPTION: Safari 16+ subscribes through the standard Push API as well, whose token the current Web SDK
      // registers as the endpoint URL (see 11); both forms are taken.
      return APNS_TOKEN.test(token) || isHttpsUrl(token)
        ? undefined
        : "Invalid push_token for device_type 10 (Safari): 64 hexadecimal characters or a push subscription endpoint URL";
    case 3:
      return FCM_TOKEN.test(token) ? undefined : "Invalid push_token for device_type 3 (Android): an FCM registration token";
    case 11:
      // The current Web SDK registers `subscription.endpoint` (src/services/PushService/drivers/PushServiceDefault/
      // PushServiceDefault.ts, getPushToken); older ones the endpoint's last path segment or Chrome's
      // `subscriptionId` (src/functions.ts, getPushToken): an https URL or an FCM registration token.
      return isHttpsUrl(token) || FCM_TOKEN.test(token)
        ? undefined
        : "Invalid push_token for device_type 11 (Chrome): a push subscription endpoint URL or an FCM registration token";
    case 12:
      // Every Web SDK version registers Firefox's full `subscription.endpoint` (same two files).
      return isHttpsUrl(token) ? undefined : "Invalid push_token for device_type 12 (Firefox): a push subscription endpoint URL";
    case 8:
      // WNS's push token is the channel URI ("BadChannel: The push token (URI) is invalid", docs.pushwoosh.com
      // .../troubleshooting/sending-errors/windows-errors).
      return isHttpsUrl(token) ? undefined : "Invalid push_token for device_type 8 (Windows): a WNS channel URI";
    default:
      return undefined;
  }
}

/**
 * SMS and WhatsApp devices are phone numbers: "hwid: ... the phone number in E.164 format", with the prefix
 * `whatsapp:` for WhatsApp, "which Pushwoosh will verify"; they need no push token (device-api reference,
 * "Registering SMS devices" / "Registering WhatsApp devices").
 */
function hwidProblem(deviceType: number, hwid: string): string | undefined {
  if (deviceType === 18 && !E164.test(hwid)) return "Invalid hwid for device_type 18 (SMS): a phone number in E.164 format";
  if (deviceType === 21 && !(hwid.startsWith("whatsapp:") && E164.test(hwid.slice("whatsapp:".length)))) {
    return "Invalid hwid for device_type 21 (WhatsApp): whatsapp: and a phone number in E.164 format";
  }
  return undefined;
}

function listOf(value: SandboxTagValue | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [String(value)];
}

/** Applies setTags semantics: plain values and arrays replace, null clears, list edits append / remove. */
function applyTags(target: Map<string, Record<string, SandboxTagValue>>, key: string, tags: Json): void {
  const current = target.get(key) ?? {};
  for (const [name, value] of Object.entries(tags)) {
    if (value === null) delete current[name];
    else if (isObject(value) && isStringArray(value.value)) {
      const list = listOf(current[name]);
      current[name] =
        value.operation === "append"
          ? [...list, ...value.value.filter((item) => !list.includes(item))]
          : list.filter((item) => !(value.value as string[]).includes(item));
    } else current[name] = value as SandboxTagValue;
  }
  target.set(key, current);
}

class PushwooshState {
  readonly devices = new Map<string, SandboxDevice>();
  readonly userTags = new Map<string, Record<string, SandboxTagValue>>();
  readonly deviceTags = new Map<string, Record<string, SandboxTagValue>>();
  readonly events: SandboxEvent[] = [];
  readonly filters = new Map<string, SandboxFilter>();
  readonly bulkRequests = new Map<string, { status: string; devices: number }>();
  /** Each tag's type, fixed by its first value. */
  readonly tagTypes = new Map<string, SandboxTagType>();
  readonly knownEvents: Set<string>;

  /** `credentials` is replaced at run time by the live view's switch that changes the account's credentials. */
  constructor(
    public credentials: PushwooshCredentials,
    events: readonly string[] = [],
  ) {
    this.knownEvents = new Set(events);
  }

  /** Why these tags do not fit their types, or undefined when they do (then new tags get their types). */
  private typeProblem(tags: Json): string | undefined {
    for (const [name, value] of Object.entries(tags)) {
      const type = this.tagTypes.get(name);
      if (type && !fitsType(type, value)) return `Tag "${name}" is of type ${type}: value ${JSON.stringify(value)} refused`;
    }
    for (const [name, value] of Object.entries(tags)) {
      const type = typeOfValue(value);
      if (type && !this.tagTypes.has(name)) this.tagTypes.set(name, type);
    }
    return undefined;
  }

  /**
   * Each token type is valid only for its own API scope, "an authentication error will occur if the
   * incorrect token is used" (docs.pushwoosh.com/platform-docs/api-reference/api-access-token): so the
   * Device token is refused where the Server token is expected and the other way round.
   */
  private tokenAccepted(presented: unknown, expected: string | undefined): boolean {
    return nonEmpty(presented) && expected !== undefined && sameSecret(presented, expected);
  }

  /**
   * Device API: header `Authorization: Token <device API token>`, the word Token, a space, the token
   * (docs.pushwoosh.com/platform-docs/api-reference/device-api; help.pushwoosh.com article 30640086054173:
   * a wrong token or header format answers 401 Unauthorized).
   */
  private headerToken(request: SandboxRequest): string | undefined {
    const header = String(request.headers.authorization ?? "");
    return header.startsWith("Token ") ? header.slice("Token ".length) : undefined;
  }

  answer(request: SandboxRequest): SandboxAnswer {
    const json = /^\/json\/1\.3\/([A-Za-z]+)$/.exec(request.path);
    if (json?.[1] && request.method === "POST") return this.jsonApi(json[1], request);
    if (request.path === BULK_PATH && request.method === "POST") return this.bulkSetTags(request);
    if (request.path === DELETE_USER_PATH && request.method === "POST") return this.deleteUser(request);
    if (request.path.startsWith(`${BULK_PATH}/`) && request.method === "GET") return this.bulkStatus(request);
    return { status: 404, body: { status_code: 404, status_message: "Not found" } };
  }

  private parse(request: SandboxRequest): unknown {
    try {
      return JSON.parse(request.body.toString("utf8"));
    } catch {
      return undefined;
    }
  }

  private jsonApi(method: string, http: SandboxRequest): SandboxAnswer {
    if (!DEVICE_METHODS.has(method) && !SERVER_METHODS.has(method))
      return { status: 404, body: { status_code: 404, status_message: `Unknown method ${method}` } };
    const body = this.parse(http);
    if (!isObject(body) || !isObject(body.request)) return malformed("Malformed request string");
    const request = body.request;
    // Unknown or misplaced token: HTTP 401, "401 unauthorized (credentials)" (protocols.md section 5).
    if (DEVICE_METHODS.has(method) && !this.tokenAccepted(this.headerToken(http), this.credentials.apiToken)) return unauthorized();
    // Server methods carry the Server API token in `request.auth` (docs.pushwoosh.com .../api-access-token).
    if (SERVER_METHODS.has(method) && !this.tokenAccepted(request.auth, this.credentials.serverApiToken)) return unauthorized();
    // createFilter's `application` is "usable only with High-Speed Setup; omit otherwise" (filters reference):
    // optional there; the reference does not say it is refused without High-Speed Setup, so both are accepted.
    const applicationOptional = method === "deleteFilter" || (method === "createFilter" && request.application === undefined);
    if (!applicationOptional) {
      // An application the token does not know is an argument error: HTTP 200, status_code 210 (device-api status codes).
      if (!nonEmpty(request.application)) return argumentError("Application code is required");
      if (request.application !== this.credentials.applicationCode) return argumentError("Application not found");
    }
    switch (method) {
      case "setTags":
        return this.setTags(request);
      case "postEvent":
        return this.postEvent(request);
      case "registerDevice":
        return this.registerDevice(request);
      case "unregisterDevice":
        return this.unregisterDevice(request);
      case "createFilter":
        return this.createFilter(request);
      case "deleteFilter":
        return this.deleteFilter(request);
      default:
        return argumentError(`${method} is not simulated`);
    }
  }

  private setTags(request: Json): SandboxAnswer {
    const { userId, hwid, tags } = request;
    if (!nonEmpty(userId) && !nonEmpty(hwid)) return argumentError("userId or hwid is required");
    if (!isObject(tags) || Object.keys(tags).length === 0) return argumentError("tags is required");
    for (const [name, value] of Object.entries(tags)) {
      const problem = tagValueProblem(name, value);
      if (problem) return argumentError(problem);
    }
    const typeProblem = this.typeProblem(tags);
    if (typeProblem) return argumentError(typeProblem);
    if (nonEmpty(userId)) applyTags(this.userTags, userId, tags);
    else if (nonEmpty(hwid)) applyTags(this.deviceTags, hwid, tags);
    return ok({ skipped: [] });
  }

  private postEvent(request: Json): SandboxAnswer {
    const { event, userId, hwid, attributes, timestampUTC, timestampCurrent } = request;
    if (!nonEmpty(event)) return argumentError("event is required");
    if (event.length > EVENT_NAME_MAX) return argumentError(`Event name is longer than ${EVENT_NAME_MAX} characters`);
    if (!nonEmpty(userId) && !nonEmpty(hwid)) return argumentError("userId or hwid is required");
    if (!isObject(attributes)) return argumentError("attributes is required");
    // "All events sent by your app must be created in Pushwoosh first ... otherwise, Pushwoosh will not
    // recognize them"; names are case-sensitive (docs.pushwoosh.com/platform-docs/manage-projects/events).
    // ASSUMPTION: the answer is not documented; the sandbox answers the device API's argument error, 210.
    if (!this.knownEvents.has(event)) return argumentError(`Event not found: "${event}"`);
    for (const stamp of [timestampUTC, timestampCurrent]) {
      if (stamp !== undefined && !Number.isInteger(stamp)) return argumentError("timestamps must be integer seconds");
    }
    this.events.push({
      application: String(request.application),
      event,
      attributes,
      ...(nonEmpty(userId) ? { userId } : {}),
      ...(nonEmpty(hwid) ? { hwid } : {}),
      ...(typeof timestampUTC === "number" ? { timestampUTC } : {}),
      ...(typeof timestampCurrent === "number" ? { timestampCurrent } : {}),
    });
    return ok({ code: randomUUID() });
  }

  /**
   * push_token is optional (device-api reference: "optional" in its example; a device without one is known but
   * gets no pushes); when present it must have the form of its device type (pushTokenProblem).
   */
  private registerDevice(request: Json): SandboxAnswer {
    const { hwid, push_token: pushToken, device_type: deviceType, userId, timezone, language } = request;
    if (!nonEmpty(hwid)) return argumentError("hwid is required");
    if (pushToken !== undefined && pushToken !== null && typeof pushToken !== "string") return argumentError("push_token must be a string");
    if (typeof deviceType !== "number" || !DEVICE_TYPES.has(deviceType)) return argumentError("Invalid device_type");
    const problem = hwidProblem(deviceType, hwid) ?? (nonEmpty(pushToken) ? pushTokenProblem(deviceType, pushToken) : undefined);
    if (problem) return argumentError(problem);
    this.devices.set(hwid, {
      application: String(request.application),
      hwid,
      ...(nonEmpty(pushToken) ? { push_token: pushToken } : {}),
      device_type: deviceType,
      ...(nonEmpty(userId) ? { userId } : {}),
      ...(typeof timezone === "number" ? { timezone } : {}),
      ...(nonEmpty(language) ? { language } : {}),
    });
    return ok(null);
  }

  /** "Removes the device's push token. The unregistered device is still counted in Total Devices" (device-api). */
  private unregisterDevice(request: Json): SandboxAnswer {
    if (!nonEmpty(request.hwid)) return argumentError("hwid is required");
    const device = this.devices.get(request.hwid);
    if (device) delete device.push_token;
    return ok(null);
  }

  /**
   * POST /api/v2/device-api/deleteUser, Device API token, `application` + `user_id`: "Deletes a user and all
   * devices associated with the specified User ID within the application", asynchronously, answering 200 once
   * accepted (docs.pushwoosh.com/developer/api-reference/user-centric-api). ASSUMPTIONS: the body is not
   * wrapped in `request` (like the v2 bulkSetTags); the answer's body and the 400 for a bad body are not
   * documented (here `{}` and `{error: {message}}`); an unknown user is accepted too. Done at once here.
   */
  private deleteUser(http: SandboxRequest): SandboxAnswer {
    if (!this.tokenAccepted(this.headerToken(http), this.credentials.apiToken)) return unauthorized();
    const body = this.parse(http);
    const bad = (message: string): SandboxAnswer => ({ status: 400, body: { error: { message } } });
    if (!isObject(body)) return bad("Malformed request body");
    if (!nonEmpty(body.application)) return bad("application is required");
    if (body.application !== this.credentials.applicationCode) return bad("Application not found");
    if (!nonEmpty(body.user_id)) return bad("user_id is required");
    const userId = body.user_id;
    this.userTags.delete(userId);
    for (const [hwid, device] of this.devices) {
      if (device.userId === userId) {
        this.devices.delete(hwid);
        this.deviceTags.delete(hwid);
      }
    }
    return { status: 200, body: {} };
  }

  private createFilter(request: Json): SandboxAnswer {
    const { name, filter_expression: expression, application } = request;
    if (!nonEmpty(name)) return argumentError("name is required");
    if (!nonEmpty(expression)) return argumentError("filter_expression is required");
    if (this.filters.has(name)) return argumentError(`Filter "${name}" already exists`);
    this.filters.set(name, { name, filter_expression: expression, ...(nonEmpty(application) ? { application } : {}) });
    return ok({ name });
  }

  private deleteFilter(request: Json): SandboxAnswer {
    if (!nonEmpty(request.name)) return argumentError("name is required");
    if (!this.filters.delete(request.name)) return argumentError(`Filter "${request.name}" not found`);
    return ok(null);
  }

  private bulkSetTags(http: SandboxRequest): SandboxAnswer {
    const body = this.parse(http);
    if (!isObject(body)) return { status: 400, body: { error: { message: "Malformed request body" } } };
    if (!this.tokenAccepted(body.auth, this.credentials.serverApiToken)) return { status: 401, body: { error: { message: "Unauthorized" } } };
    const bad = (message: string): SandboxAnswer => ({ status: 400, body: { error: { message } } });
    if (!nonEmpty(body.application)) return bad("application is required");
    if (body.application !== this.credentials.applicationCode) return bad("Application not found");
    if (!Array.isArray(body.devices) || body.devices.length === 0) return bad("devices is required");
    for (const [index, device] of body.devices.entries()) {
      if (!isObject(device)) return bad(`devices[${index}] is not an object`);
      if (![device.hwid, device.user_id, device.push_token].some(nonEmpty)) return bad(`devices[${index}] needs hwid, user_id or push_token`);
      if (!["set", "append", "remove"].includes(String(device.list_operator))) return bad(`devices[${index}].list_operator is invalid`);
      if (!isObject(device.tags)) return bad(`devices[${index}].tags is required`);
      for (const [name, value] of Object.entries(device.tags)) {
        const problem =
          device.list_operator === "set" ? tagValueProblem(name, value) : isStringArray(value) ? undefined : `List value required for tag "${name}"`;
        if (problem) return bad(`devices[${index}]: ${problem}`);
      }
      const typeProblem = this.typeProblem(
        device.list_operator === "set" ? device.tags : Object.fromEntries(Object.keys(device.tags).map((name) => [name, []])),
      );
      if (typeProblem) return bad(`devices[${index}]: ${typeProblem}`);
    }
    for (const device of body.devices as Json[]) {
      const tags =
        device.list_operator === "set"
          ? (device.tags as Json)
          : Object.fromEntries(Object.entries(device.tags as Json).map(([name, value]) => [name, { operation: device.list_operator, value }]));
      if (nonEmpty(device.user_id)) applyTags(this.userTags, device.user_id, tags);
      else applyTags(this.deviceTags, String(device.hwid ?? device.push_token), tags);
    }
    const requestId = randomUUID();
    this.bulkRequests.set(requestId, { status: "Completed", devices: body.devices.length });
    return { status: 200, body: { request_id: requestId, status: "Pending" } };
  }

  private bulkStatus(http: SandboxRequest): SandboxAnswer {
    if (!this.tokenAccepted(this.headerToken(http), this.credentials.serverApiToken)) return { status: 401, body: { error: { message: "Unauthorized" } } };
    const requestId = decodeURIComponent(http.path.slice(BULK_PATH.length + 1));
    const found = this.bulkRequests.get(requestId);
    if (!found) return { status: 404, body: { error: { message: "Request not found" } } };
    return { status: 200, body: { request_id: requestId, status: found.status } };
  }
}

export class PushwooshSandbox extends PartnerSandbox {
  readonly state: PushwooshState;
  private readonly initialCredentials: PushwooshCredentials;

  constructor(options: PushwooshSandboxOptions) {
    const state = new PushwooshState(options.credentials, options.events);
    super("pushwoosh", (request) => state.answer(request), options);
    this.state = state;
    this.initialCredentials = options.credentials;
  }

  /**
   * From now on the account's credentials are these (the ones not given stay), so requests carrying the
   * old ones are refused; with none given, the credentials the sandbox started with are back.
   */
  acceptOnly(credentials?: Partial<PushwooshCredentials>): void {
    this.state.credentials = { ...this.initialCredentials, ...credentials };
  }

  /** Whether acceptOnly changed the credentials the sandbox started with. */
  get credentialsReplaced(): boolean {
    const now = this.state.credentials;
    const initial = this.initialCredentials;
    return now.applicationCode !== initial.applicationCode || now.apiToken !== initial.apiToken || now.serverApiToken !== initial.serverApiToken;
  }

  get devices(): ReadonlyMap<string, SandboxDevice> {
    return this.state.devices;
  }

  get events(): readonly SandboxEvent[] {
    return this.state.events;
  }

  get filters(): ReadonlyMap<string, SandboxFilter> {
    return this.state.filters;
  }

  /** Creates events as the Control Panel's Events section does; postEvent takes only created events. */
  createEvents(...names: string[]): void {
    for (const name of names) this.state.knownEvents.add(name);
  }

  /** The type Pushwoosh fixed for a tag, once the tag exists. */
  tagType(name: string): SandboxTagType | undefined {
    return this.state.tagTypes.get(name);
  }

  /** The tags Pushwoosh holds for a user id. */
  tagsOfUser(userId: string): Record<string, SandboxTagValue> | undefined {
    return this.state.userTags.get(userId);
  }
}

export function createPushwooshSandbox(options: PushwooshSandboxOptions): PushwooshSandbox {
  return new PushwooshSandbox(options);
}
