import { redact } from "../../../cli/redact.js";
import { parseExactJson } from "./exactJson.js";

/**
 * What the live view shows, as one flat stream of records the page links by correlation id. Every body
 * is redacted here, once, before it is kept: the page, the SSE stream and the JSON snapshot never see a
 * credential.
 */
export interface InboundRecord {
  kind: "request";
  correlationId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  eventCount: number;
  headers: unknown;
  body: unknown;
}

export interface WorkItemRecord {
  kind: "workItem";
  correlationId: string;
  workItemId: string;
  destination: string;
  /**
   * "enqueued" the first time a work item id is seen on its queue; "retry" for the failed events of a
   * message sent again with its attempts carried forward; "resent" for an id seen before (a redrive).
   */
  via: "enqueued" | "retry" | "resent";
  body: unknown;
}

/** One worker invocation's verdict on one work item: settled (delivered, skipped or parked) or back for a retry. */
export interface AttemptRecord {
  kind: "attempt";
  correlationId: string;
  workItemId: string;
  destination: string;
  attempt: number;
  outcome: "settled" | "retry";
}

export interface TracedWorkItem {
  workItemId: string;
  correlationId: string;
  attempt: number;
}

export interface PartnerCallRecord {
  kind: "partnerCall";
  partner: string;
  method: string;
  /** Credentials in it (user info, secret-named query parameters) redacted. */
  url: string;
  /**
   * The HTTP status; "reset" when a sandbox dropped the connection or the client gave up on it; "timed out"
   * or "failed" when a call to any other URL got no answer.
   */
  status: number | "reset" | "timed out" | "failed";
  /** The injected fault (an HTTP status, "delay" or "reset"), when a fault switch made this answer. */
  fault?: string;
  /** Why a call to a URL other than a sandbox got no answer. */
  error?: string;
  /** How long the relay waited for the answer (calls to URLs other than a sandbox). */
  durationMs?: number;
  requestBody: unknown;
  answer: unknown;
  /** The work items of the worker invocation that made the call (a bulk call serves several). */
  workItems: TracedWorkItem[];
  correlationIds: string[];
  /** The highest receive count among those work items: 1 is the first try. */
  attempt: number;
}

export interface ParkedRecord {
  kind: "parked";
  correlationId: string | null;
  workItemId: string | null;
  destination: string | null;
  reason: string;
  status: number | null;
  attempts: number;
  message: string | null;
  partnerMessage: string | null;
}

export interface NoticeRecord {
  kind: "notice";
  message: string;
}

export type LiveRecordBody = InboundRecord | WorkItemRecord | AttemptRecord | PartnerCallRecord | ParkedRecord | NoticeRecord;
export type LiveRecord = LiveRecordBody & { seq: number; at: string; userIds: string[] };

/** Field names that carry a user id in the sources' and partners' payloads (Braze, mParticle, Pushwoosh, Mixpanel). */
const USER_ID_KEY = /^(user_?id|external_user_id|customer_?id|distinct_id|\$user_id|mpid)$/i;
const MAX_USER_IDS = 50;
/** Records kept for late-joining pages; older ones drop off. */
export const RECORDS_KEPT = 1000;

/**
 * mParticle's identities as array entries: `{identity_type: "customer_id", identity}` in its outgoing JSON
 * (docs.mparticle.com/developers/server/json-reference) and `{type: "customer", value}` in Firehose messages.
 */
const CUSTOMER_ID_TYPE = /^customer(_id)?$/;

function customerIdentity(value: object): string | undefined {
  const { identity_type: identityType, identity, type, value: identityValue } = value as Record<string, unknown>;
  if (typeof identityType === "string" && CUSTOMER_ID_TYPE.test(identityType) && typeof identity === "string") return identity;
  if (typeof type === "string" && CUSTOMER_ID_TYPE.test(type) && typeof identityValue === "string") return identityValue;
  return undefined;
}

/** The user ids a payload mentions, for the page's user filter: as written, a 64-bit number literal included (a BigInt here). */
export function userIdsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (found.size >= MAX_USER_IDS || value === null || typeof value !== "object") return found;
  const identity = customerIdentity(value);
  if (identity !== undefined) found.add(identity);
  for (const [key, inner] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof key === "string" && USER_ID_KEY.test(key) && ["string", "number", "bigint"].includes(typeof inner)) found.add(String(inner));
    else userIdsIn(inner, found);
  }
  return found;
}

/** A JSON body as a value, its 64-bit integers exact (exactJson.ts), or the text itself when it is not JSON. */
export function parseBodyText(text: string | undefined): unknown {
  if (text === undefined || text === "") return undefined;
  try {
    return parseExactJson(text);
  } catch {
    return text;
  }
}

type Listener = (record: LiveRecord) => void;

interface Entry {
  seq: number;
  at: string;
  /** Built, redacted and scanned for user ids only when someone looks: the bench and the fault run never do. */
  make?: () => LiveRecordBody;
  view?: LiveRecord;
}

export class LiveRecorder {
  private readonly entries: Entry[] = [];
  private readonly listeners = new Set<Listener>();
  private seq = 0;

  /** Keeps a record (or what builds it) and hands it, redacted, to every listener. */
  add(record: LiveRecordBody | (() => LiveRecordBody)): void {
    const entry: Entry = { seq: ++this.seq, at: new Date().toISOString(), make: typeof record === "function" ? record : () => record };
    this.entries.push(entry);
    if (this.entries.length > RECORDS_KEPT) this.entries.splice(0, this.entries.length - RECORDS_KEPT);
    if (this.listeners.size === 0) return;
    const view = this.view(entry);
    for (const listener of this.listeners) listener(view);
  }

  /** Oldest first. */
  snapshot(): LiveRecord[] {
    return this.entries.map((entry) => this.view(entry));
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private view(entry: Entry): LiveRecord {
    if (!entry.view) {
      const redacted = redact(entry.make?.()) as LiveRecordBody;
      entry.view = { ...redacted, seq: entry.seq, at: entry.at, userIds: [...userIdsIn(redacted)] };
      entry.make = undefined;
    }
    return entry.view;
  }
}
